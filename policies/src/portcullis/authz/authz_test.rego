package portcullis.authz_test

import data.portcullis.authz

weekday := "2024-05-15T10:00:00Z"

req(method, path, identity) := {
	"attributes": {"request": {"time": weekday, "http": {"method": method, "path": path}}},
	"parsed_path": split(trim_prefix(split(path, "?")[0], "/"), "/"),
	"portcullis": {"decision_id": "d-2", "identity": identity, "risk": {"score": 0, "findings": []}},
}

reader := {"kind": "jwt", "subject": "alice", "roles": ["reader"], "claims": {"clearance": "internal"}}

test_reader_reads_own_record_with_headers_from_every_layer if {
	d := authz.decision with input as req("GET", "/api/v1/users/alice", reader)
	d.allowed
	d.headers["x-portcullis-access"] == "owner"
	d.headers["x-portcullis-classification"] == "public"
}

test_resource_rule_wins_over_rbac if {
	d := authz.decision with input as req("GET", "/api/v1/users/bob", reader)
	not d.allowed
	d.http_status == 403
	json.unmarshal(d.body).message == "you may only access your own user record"
}

test_rbac_denies_writes_for_readers if {
	d := authz.decision with input as req("POST", "/api/v1/orders", reader)
	not d.allowed
	json.unmarshal(d.body).message == "no role grants this request"
}

test_abac_applies_after_rbac if {
	d := authz.decision with input as req("GET", "/api/v1/reports/finance/q1", reader)
	not d.allowed
	d.headers["x-portcullis-deny-reasons"] == "department_mismatch,insufficient_clearance"
}

test_anonymous_gets_401 if {
	d := authz.decision with input as {"attributes": {"request": {"http": {"method": "GET", "path": "/api/v1/orders"}}}, "parsed_path": ["api", "v1", "orders"]}
	d.http_status == 401
}
