/* Test plugin: a shared object that is not a rollsim policy. It exports a function under a near miss of the
 * entry symbol (rs_policy_entry), so the host must refuse it as "no entry symbol" rather than find anything. */
#include "rollsim/policy.h"

RS_PLUGIN_EXPORT int rs_policy_entri(void)
{
    return 42;
}
