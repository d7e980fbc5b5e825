package portcullis.rbac_test

import data.portcullis.rbac

req(method, path, roles) := {
	"attributes": {"request": {"http": {"method": method, "path": path}}},
	"portcullis": {"identity": {"kind": "jwt", "subject": "u1", "roles": roles}},
}

test_reader_can_read if rbac.allow with input as req("GET", "/api/v1/orders/42", ["reader"])

test_reader_cannot_write if not rbac.allow with input as req("POST", "/api/v1/orders", ["reader"])

test_query_string_is_ignored_for_matching if rbac.allow with input as req("GET", "/api/v1/orders?page=2", ["reader"])

test_writer_can_create_and_update_orders if {
	rbac.allow with input as req("POST", "/api/v1/orders", ["writer"])
	rbac.allow with input as req("PATCH", "/api/v1/orders/42", ["writer"])
}

test_writer_cannot_touch_other_collections if not rbac.allow with input as req("DELETE", "/api/v1/users/42", ["writer"])

test_writer_cannot_reach_nested_order_paths_with_single_star if not rbac.allow with input as req("PUT", "/api/v1/orders/42/items/1", ["writer"])

test_admin_any_method_under_api if rbac.allow with input as req("DELETE", "/api/v2/anything/deep", ["admin"])

test_admin_not_outside_api if not rbac.allow with input as req("GET", "/internal/debug", ["admin"])

test_unknown_role_denied if not rbac.allow with input as req("GET", "/api/v1/orders", ["intern"])

test_anonymous_denied if not rbac.allow with input as {"attributes": {"request": {"http": {"method": "GET", "path": "/api/v1/orders"}}}}

test_any_role_suffices if rbac.allow with input as req("GET", "/api/v1/x", ["intern", "reader"])

test_permission_table_is_data_driven if {
	rbac.allow with input as req("GET", "/reports/1", ["auditor"])
		with data.portcullis.rbac.role_permissions as {"auditor": [{"methods": ["GET"], "path": "/reports/*"}]}
}
