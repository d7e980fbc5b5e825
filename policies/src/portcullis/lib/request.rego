# METADATA
# title: Request helpers shared by the Portcullis example policies
# description: |
#   Reads the OPA-Envoy compatible input (input.attributes…, input.parsed_path) and
#   Portcullis's own facts (input.portcullis…) once, so the policies stay short.
package portcullis.lib

# HTTP method as Envoy saw it.
method := input.attributes.request.http.method

# Request path without the query string (input.attributes.request.http.path is the full :path).
path := split(input.attributes.request.http.path, "?")[0]

# The verified identity Portcullis's identify phase attached (undefined when anonymous).
identity := input.portcullis.identity

default roles := set()

roles := {r | some r in input.portcullis.identity.roles}

default risk_score := 0

risk_score := input.portcullis.risk.score

# Request time in ns: Envoy's request timestamp when present, else the evaluation time.
now_ns := time.parse_rfc3339_ns(input.attributes.request.time)

now_ns := time.now_ns() if not input.attributes.request.time

# True for methods that change state.
write_method if method in {"POST", "PUT", "PATCH", "DELETE"}
