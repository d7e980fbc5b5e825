# METADATA
# title: The combined example decision
# description: |
#   Resource-level rules first (they know the most specific answer, e.g. a 401 step-up),
#   then RBAC, then ABAC. The first "no" wins; on "yes" the upstream gets the headers of both.
package portcullis.authz

import data.portcullis.abac
import data.portcullis.lib
import data.portcullis.rbac
import data.portcullis.resources

# METADATA
# entrypoint: true
# description: OPA-Envoy result object.
default decision := {"allowed": false, "http_status": 403}

decision := resources.decision if not resources.decision.allowed
else := rbac_denied if not rbac.allow
else := abac.decision if not abac.decision.allowed
else := {
	"allowed": true,
	"headers": object.union(object.get(resources.decision, "headers", {}), object.get(abac.decision, "headers", {})),
}

rbac_denied := {
	"allowed": false,
	"http_status": status,
	"body": json.marshal({
		"error": "ERR_POLICY_DENIED",
		"message": message,
		"decision_id": object.get(input, ["portcullis", "decision_id"], ""),
	}),
} if {
	not lib.identity
	status := 401
	message := "authentication required"
} else := {
	"allowed": false,
	"http_status": 403,
	"body": json.marshal({
		"error": "ERR_POLICY_DENIED",
		"message": "no role grants this request",
		"decision_id": object.get(input, ["portcullis", "decision_id"], ""),
	}),
}
