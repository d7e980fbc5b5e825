package portcullis.abac_test

import data.portcullis.abac

# Wednesday 2024-05-15 10:00 UTC and Saturday 2024-05-18 10:00 UTC / Wednesday 22:00 UTC.
weekday_morning := "2024-05-15T10:00:00Z"

saturday := "2024-05-18T10:00:00Z"

weekday_night := "2024-05-15T22:30:00Z"

req(method, path, claims, roles, score, at) := {
	"attributes": {"request": {"time": at, "http": {"method": method, "path": path}}},
	"portcullis": {
		"decision_id": "d-1",
		"identity": {"kind": "jwt", "subject": "u1", "roles": roles, "claims": claims},
		"risk": {"score": score, "findings": []},
	},
}

finance := {"department": "finance", "clearance": "confidential"}

test_finance_analyst_reads_finance_report if {
	d := abac.decision with input as req("GET", "/api/v1/reports/finance/q1", finance, [], 0, weekday_morning)
	d.allowed
	d.headers["x-portcullis-classification"] == "confidential"
}

test_other_department_denied_with_reason if {
	d := abac.decision with input as req("GET", "/api/v1/reports/finance/q1", {"department": "sales", "clearance": "confidential"}, [], 0, weekday_morning)
	not d.allowed
	d.http_status == 403
	body := json.unmarshal(d.body)
	body.reasons == ["department_mismatch"]
	body.decision_id == "d-1"
}

test_low_clearance_denied if {
	d := abac.decision with input as req("GET", "/api/v1/reports/finance/q1", {"department": "finance", "clearance": "internal"}, [], 0, weekday_morning)
	not d.allowed
	json.unmarshal(d.body).reasons == ["insufficient_clearance"]
}

test_missing_clearance_claim_means_public if {
	d := abac.decision with input as req("GET", "/api/v1/reports/summary", {"department": "sales"}, [], 0, weekday_morning)
	not d.allowed
	json.unmarshal(d.body).reasons == ["insufficient_clearance"]
}

test_admin_bypasses_department_but_not_clearance if {
	ok := abac.decision with input as req("GET", "/api/v1/hr/salaries", {"clearance": "secret"}, ["admin"], 0, weekday_morning)
	ok.allowed
	no := abac.decision with input as req("GET", "/api/v1/hr/salaries", {}, ["admin"], 0, weekday_morning)
	not no.allowed
}

test_high_risk_score_denied if {
	d := abac.decision with input as req("GET", "/api/v1/reports/finance/q1", finance, [], 0.85, weekday_morning)
	not d.allowed
	json.unmarshal(d.body).reasons == ["risk_score_too_high"]
	d.headers["x-portcullis-deny-reasons"] == "risk_score_too_high"
}

test_writes_outside_business_hours_denied if {
	night := abac.decision with input as req("POST", "/api/v1/notes", {}, [], 0, weekday_night)
	not night.allowed
	json.unmarshal(night.body).reasons == ["outside_business_hours"]
	weekend := abac.decision with input as req("DELETE", "/api/v1/notes/1", {}, [], 0, saturday)
	not weekend.allowed
}

test_reads_outside_business_hours_allowed if {
	d := abac.decision with input as req("GET", "/api/v1/notes", {}, [], 0, saturday)
	d.allowed
}

test_on_call_may_write_at_night if {
	d := abac.decision with input as req("PUT", "/api/v1/notes/1", {}, ["on-call"], 0, weekday_night)
	d.allowed
}

test_business_hours_use_the_configured_timezone if {
	# 10:00 UTC is 19:00 in Tokyo: outside 08–18 there.
	d := abac.decision with input as req("POST", "/api/v1/notes", {}, [], 0, weekday_morning)
		with data.portcullis.abac.business_hours.timezone as "Asia/Tokyo"
	not d.allowed
}

test_clock_falls_back_to_evaluation_time if {
	d := abac.decision with input as {
		"attributes": {"request": {"http": {"method": "POST", "path": "/api/v1/notes"}}},
		"portcullis": {"identity": {"kind": "jwt", "subject": "u1", "roles": [], "claims": {}}},
	}
		with time.now_ns as 1715767200000000000 # 2024-05-15T10:00:00Z
	d.allowed
}

test_anonymous_denied if {
	d := abac.decision with input as {"attributes": {"request": {"time": weekday_morning, "http": {"method": "GET", "path": "/api/v1/notes"}}}}
	not d.allowed
	json.unmarshal(d.body).reasons == ["unauthenticated"]
}

test_every_reason_is_listed if {
	d := abac.decision with input as req("POST", "/api/v1/reports/finance/q1", {"department": "sales"}, [], 0.99, saturday)
	json.unmarshal(d.body).reasons == ["department_mismatch", "insufficient_clearance", "outside_business_hours", "risk_score_too_high"]
}
