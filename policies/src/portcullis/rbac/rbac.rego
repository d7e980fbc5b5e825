# METADATA
# title: Role-based access control
# description: |
#   The roles of the verified identity grant methods on path patterns.
#   data.portcullis.rbac.role_permissions maps a role to a list of grants
#   {"methods": ["GET", …] or ["*"], "path": glob with "/" as the separator}.
#   The table ships in data.json and can be replaced live from a file or a Redis hash.
package portcullis.rbac

import data.portcullis.lib

# METADATA
# entrypoint: true
# description: true when one of the caller's roles grants the request's method on its path.
default allow := false

allow if some _ in matching_grants

# Every (role, grant) pair that allows this request.
matching_grants contains [role, grant] if {
	some role in lib.roles
	some grant in data.portcullis.rbac.role_permissions[role]
	method_allowed(grant.methods)
	glob.match(grant.path, ["/"], lib.path)
}

method_allowed(methods) if "*" in methods

method_allowed(methods) if lib.method in methods
