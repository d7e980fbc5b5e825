package envoy.authz_test

import data.envoy.authz

key := {"kty": "oct", "k": base64url.encode_no_pad(data.envoy.authz.jwt_secret)}

now := 1715767200000000000

tok(claims) := io.jwt.encode_sign({"alg": "HS256", "typ": "JWT"}, object.union({"exp": (now / 1000000000) + 600, "nbf": (now / 1000000000) - 60}, claims), key)

http(method, path, headers) := {"attributes": {"request": {"http": {"method": method, "path": path, "headers": headers}}}, "parsed_path": split(trim_prefix(path, "/"), "/")}

test_public_get_without_token if authz.allow with input as http("GET", "/public/docs", {})

test_guest_reads_people if {
	authz.allow with input as http("GET", "/people/1", {"authorization": sprintf("Bearer %s", [tok({"sub": "alice", "role": "guest"})])})
		with time.now_ns as now
}

test_guest_cannot_post if {
	not authz.allow with input as http("POST", "/people", {"authorization": sprintf("Bearer %s", [tok({"sub": "alice", "role": "guest"})])})
		with time.now_ns as now
}

test_admin_creates_self_only if {
	inp := object.union(http("POST", "/people", {"authorization": sprintf("Bearer %s", [tok({"sub": "bob", "role": "admin"})])}), {"parsed_body": {"firstname": "Bob"}})
	authz.allow with input as inp with time.now_ns as now
	other := object.union(inp, {"parsed_body": {"firstname": "Carol"}})
	not authz.allow with input as other with time.now_ns as now
}

test_expired_token_denied if {
	not authz.allow with input as http("GET", "/people/1", {"authorization": sprintf("Bearer %s", [tok({"sub": "alice", "role": "guest"})])})
		with time.now_ns as now + (3600 * 1000000000)
}

test_token_signed_with_another_secret_denied if {
	forged := io.jwt.encode_sign({"alg": "HS256"}, {"sub": "alice", "role": "guest", "exp": (now / 1000000000) + 600}, {"kty": "oct", "k": base64url.encode_no_pad("not-the-secret")})
	not authz.allow with input as http("GET", "/people/1", {"authorization": sprintf("Bearer %s", [forged])}) with time.now_ns as now
}

test_result_object_on_allow if {
	r := authz.result with input as http("GET", "/people/1", {"authorization": sprintf("Bearer %s", [tok({"sub": "alice", "role": "guest"})])})
		with time.now_ns as now
	r.allowed
	r.headers["x-ext-auth-user"] == "alice"
	r.request_headers_to_remove == ["authorization"]
	r.dynamic_metadata.subject == "alice"
}

test_result_object_on_deny if {
	r := authz.result with input as http("DELETE", "/people/1", {})
	r.allowed == false
	r.http_status == 403
	r.body == "Unauthorized Request"
}
