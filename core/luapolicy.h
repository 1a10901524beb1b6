/* The built-in policy type that runs a scenario's Lua function policy. */
#ifndef RS_LUAPOLICY_H
#define RS_LUAPOLICY_H

#include "rollsim/policy.h"

/* Static storage; never freed. */
const rs_policy_type *rs_lua_policy_type(void);

#endif
