# METADATA
# title: Resource-level permissions
# description: |
#   - /api/v1/users/{id}…: only the user {id} itself, or an admin.
#   - /api/v1/payments…: a strong credential (mTLS, HTTP message signature, or a token whose
#     amr/acr says MFA) and a low risk score; a weak credential gets 401 with an RFC 9470
#     step-up challenge.
#   Other paths are not governed here (allowed): compose with RBAC (see portcullis.authz).
package portcullis.resources

import data.portcullis.lib

cfg := data.portcullis.resources.settings

# METADATA
# entrypoint: true
# description: OPA-Envoy result object.
decision := users_decision if users_route
else := payments_decision if payments_route
else := {"allowed": true}

users_route if {
	count(input.parsed_path) >= 4
	array.slice(input.parsed_path, 0, 3) == ["api", "v1", "users"]
}

payments_route if {
	count(input.parsed_path) >= 3
	array.slice(input.parsed_path, 0, 3) == ["api", "v1", "payments"]
}

users_decision := deny(401, "authentication required", {}) if not lib.identity
else := {"allowed": true, "headers": {"x-portcullis-access": "owner"}} if input.parsed_path[3] == lib.identity.subject
else := {"allowed": true, "headers": {"x-portcullis-access": "admin"}} if "admin" in lib.roles
else := deny(403, "you may only access your own user record", {})

payments_decision := deny(401, "authentication required", {}) if not lib.identity
else := deny(401, "this operation requires a stronger credential", {"www-authenticate": step_up_challenge}) if not strong_credential
else := deny(403, "request risk too high for payments", {}) if lib.risk_score >= cfg.payments_max_risk_score
else := {"allowed": true, "headers": {"x-portcullis-credential": lib.identity.kind}}

strong_credential if lib.identity.kind in cfg.strong_credential_kinds

strong_credential if {
	some method in lib.identity.claims.amr
	method in cfg.strong_amr_values
}

strong_credential if lib.identity.claims.acr in cfg.strong_acr_values

step_up_challenge := sprintf(
	`Bearer error="insufficient_user_authentication", error_description="a stronger credential is required", acr_values="%s"`,
	[concat(" ", cfg.strong_acr_values)],
)

deny(status, message, headers) := {
	"allowed": false,
	"http_status": status,
	"headers": headers,
	"body": json.marshal({
		"error": "ERR_POLICY_DENIED",
		"message": message,
		"decision_id": object.get(input, ["portcullis", "decision_id"], ""),
	}),
}
