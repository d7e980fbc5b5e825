# METADATA
# title: An OPA-Envoy style policy
# description: |
#   Written the way policies for the OPA-Envoy plugin are written: only input.attributes…,
#   input.parsed_path, input.parsed_body, and a token checked in Rego. It runs unchanged under
#   the OPA-Envoy plugin and under Portcullis (query data.envoy.authz.allow or …/result).
package envoy.authz

import input.attributes.request.http as http_request

# METADATA
# entrypoint: true
default allow := false

allow if {
	http_request.method == "GET"
	input.parsed_path[0] == "public"
}

allow if {
	token.valid
	token.payload.role == "guest"
	http_request.method == "GET"
	glob.match("/people/*", ["/"], http_request.path)
}

allow if {
	token.valid
	token.payload.role == "admin"
	http_request.method == "POST"
	http_request.path == "/people"
	lower(input.parsed_body.firstname) == lower(token.payload.sub)
}

# METADATA
# entrypoint: true
# description: The same decision as an OPA-Envoy result object.
result := {
	"allowed": true,
	"headers": {"x-ext-auth-user": subject},
	"response_headers_to_add": {"x-ext-auth-decision": "allow"},
	"request_headers_to_remove": ["authorization"],
	"dynamic_metadata": {"policy": "envoy.authz", "subject": subject},
} if {
	allow
} else := {
	"allowed": false,
	"http_status": 403,
	"body": "Unauthorized Request",
}

default subject := "anonymous"

subject := token.payload.sub if token.valid

token := {"valid": valid, "payload": payload} if {
	[_, encoded] := split(http_request.headers.authorization, " ")
	[valid, _, payload] := io.jwt.decode_verify(encoded, {
		"secret": data.envoy.authz.jwt_secret,
		"alg": "HS256",
		"time": time.now_ns(),
	})
}
