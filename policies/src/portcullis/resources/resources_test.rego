package portcullis.resources_test

import data.portcullis.resources

req(method, path, identity, score) := {
	"attributes": {"request": {"http": {"method": method, "path": path}}},
	"parsed_path": split(trim_prefix(split(path, "?")[0], "/"), "/"),
	"portcullis": {"decision_id": "d-9", "identity": identity, "risk": {"score": score, "findings": []}},
}

alice := {"kind": "jwt", "subject": "alice", "roles": ["reader"], "claims": {}}

admin := {"kind": "jwt", "subject": "root", "roles": ["admin"], "claims": {}}

test_user_reads_own_record if {
	d := resources.decision with input as req("GET", "/api/v1/users/alice", alice, 0)
	d.allowed
	d.headers["x-portcullis-access"] == "owner"
}

test_user_updates_own_subresource if {
	d := resources.decision with input as req("PUT", "/api/v1/users/alice/settings", alice, 0)
	d.allowed
}

test_user_cannot_read_someone_else if {
	d := resources.decision with input as req("GET", "/api/v1/users/bob", alice, 0)
	not d.allowed
	d.http_status == 403
	json.unmarshal(d.body).decision_id == "d-9"
}

test_admin_reads_anyone if {
	d := resources.decision with input as req("GET", "/api/v1/users/bob", admin, 0)
	d.allowed
	d.headers["x-portcullis-access"] == "admin"
}

test_anonymous_user_record_is_401 if {
	d := resources.decision with input as {"parsed_path": ["api", "v1", "users", "bob"]}
	not d.allowed
	d.http_status == 401
}

test_users_collection_itself_not_governed if {
	d := resources.decision with input as req("GET", "/api/v1/users", alice, 0)
	d.allowed
}

test_payment_with_plain_token_gets_step_up_challenge if {
	d := resources.decision with input as req("POST", "/api/v1/payments", alice, 0)
	not d.allowed
	d.http_status == 401
	startswith(d.headers["www-authenticate"], `Bearer error="insufficient_user_authentication"`)
}

test_payment_with_mfa_token_allowed if {
	mfa := object.union(alice, {"claims": {"amr": ["pwd", "mfa"]}})
	d := resources.decision with input as req("POST", "/api/v1/payments", mfa, 0.1)
	d.allowed
}

test_payment_with_acr_mfa_allowed if {
	mfa := object.union(alice, {"claims": {"acr": "mfa"}})
	d := resources.decision with input as req("POST", "/api/v1/payments/p1/capture", mfa, 0)
	d.allowed
}

test_payment_with_mtls_allowed if {
	d := resources.decision with input as req("POST", "/api/v1/payments", {"kind": "mtls", "subject": "svc", "roles": []}, 0)
	d.allowed
	d.headers["x-portcullis-credential"] == "mtls"
}

test_payment_with_strong_credential_but_high_risk_denied if {
	d := resources.decision with input as req("POST", "/api/v1/payments", {"kind": "signature", "subject": "svc", "roles": []}, 0.3)
	not d.allowed
	d.http_status == 403
}

test_unrelated_paths_allowed if {
	d := resources.decision with input as req("GET", "/api/v1/orders/1", alice, 0.99)
	d.allowed
}
