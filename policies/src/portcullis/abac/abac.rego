# METADATA
# title: Attribute-based access control
# description: |
#   Decides from attributes rather than roles:
#   - identity attributes: the token's department and clearance claims,
#   - resource attributes: data.portcullis.abac.resources (path glob → department, classification),
#   - time of day: state-changing requests only during business hours (unless on call),
#   - the risk score Portcullis's inspect phase computed.
#   Returns an OPA-Envoy result object; on deny the body lists every reason.
package portcullis.abac

import data.portcullis.lib

# METADATA
# entrypoint: true
# description: OPA-Envoy result object {allowed, headers, http_status, body}.
decision := {
	"allowed": allow,
	"headers": headers,
	"http_status": 403,
	"body": json.marshal({
		"error": "ERR_POLICY_DENIED",
		"message": "denied by policy",
		"reasons": sort([r | some r in reasons]),
		"decision_id": object.get(input, ["portcullis", "decision_id"], ""),
	}),
}

default allow := false

allow if {
	lib.identity
	count(reasons) == 0
}

# On allow the headers go to the upstream; on deny they go to the client.
headers["x-portcullis-classification"] := level_name(max_classification) if allow

headers["x-portcullis-deny-reasons"] := concat(",", sort([r | some r in reasons])) if not allow

reasons contains "unauthenticated" if not lib.identity

reasons contains "risk_score_too_high" if lib.risk_score >= data.portcullis.abac.max_risk_score

reasons contains "outside_business_hours" if {
	lib.write_method
	not within_business_hours
	not "on-call" in lib.roles
}

reasons contains "department_mismatch" if {
	some res in matching_resources
	res.department
	object.get(lib.identity, ["claims", "department"], "") != res.department
	not "admin" in lib.roles
}

reasons contains "insufficient_clearance" if {
	some res in matching_resources
	data.portcullis.abac.clearance_levels[res.classification] > clearance
}

matching_resources contains res if {
	some res in data.portcullis.abac.resources
	glob.match(res.path, ["/"], lib.path)
}

default clearance := 0

clearance := data.portcullis.abac.clearance_levels[lib.identity.claims.clearance]

default max_classification := 0

max_classification := max({data.portcullis.abac.clearance_levels[r.classification] | some r in matching_resources})

level_name(n) := name if {
	some name, level in data.portcullis.abac.clearance_levels
	level == n
}

within_business_hours if {
	bh := data.portcullis.abac.business_hours
	t := [lib.now_ns, bh.timezone]
	time.weekday(t) in bh.days
	[hour, _, _] := time.clock(t)
	hour >= bh.start_hour
	hour < bh.end_hour
}
