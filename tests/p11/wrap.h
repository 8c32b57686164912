/* wrap.h - what the test PKCS#11 modules of tests/p11 that stand in front of SoftHSM2
 * share: the module behind them, and the function list they hand out. */
#ifndef PAM_CERTMAP_TESTS_P11_WRAP_H
#define PAM_CERTMAP_TESTS_P11_WRAP_H

#include <p11-kit/pkcs11.h>

#define WRAP_DEFAULT_TARGET "/usr/lib/softhsm/libsofthsm2.so"

/* A wrapper: ENV names the module behind it (default SoftHSM2); FILL replaces some entries
 * of LIST, a copy of that module's list.  REAL is the module's own list. */
struct wrap {
	const char *env;
	void (*fill)(CK_FUNCTION_LIST *list);
	CK_FUNCTION_LIST list;
	CK_FUNCTION_LIST_PTR real;
};

/* The wrapper's C_GetFunctionList: loads the module once (never unloaded) and hands out
 * W's list, whose C_GetFunctionList is SELF. */
CK_RV wrap_get(struct wrap *w, CK_C_GetFunctionList self, CK_FUNCTION_LIST_PTR_PTR out);

#endif
