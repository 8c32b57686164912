/* check_account.c - unit tests of account.c against the users of
 * tests/data/passwd, served by nss_wrapper (make check preloads it). */
#include "config.h"
#include "account.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Without nss_wrapper these names would be looked up on the build machine,
 * where they mean nothing: refuse to run rather than pass or fail by luck. */
static void need_nss_wrapper(void)
{
	const char *pw = getenv("NSS_WRAPPER_PASSWD");
	const char *pre = getenv("LD_PRELOAD");

	ck_assert_msg(pw != NULL && pw[0] != '\0',
		      "NSS_WRAPPER_PASSWD is not set: run under nss_wrapper (make check does)");
	ck_assert_msg(pre != NULL && strstr(pre, "nss_wrapper") != NULL,
		      "LD_PRELOAD lacks libnss_wrapper.so: run under nss_wrapper");
}

static void expect_ok(const char *name, const char *dflt, const char *opt, const char *want)
{
	char *out = NULL;
	enum account_status st = account_resolve(name, dflt, opt, &out);

	ck_assert_msg(st == ACCOUNT_OK, "%s: status %d, want ACCOUNT_OK", name, (int)st);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, want);
	free(out);
}

static void expect_unknown(const char *name, const char *dflt, const char *opt)
{
	char *out = (char *)1;
	enum account_status st = account_resolve(name, dflt, opt, &out);

	ck_assert_msg(st == ACCOUNT_UNKNOWN, "%s: status %d, want ACCOUNT_UNKNOWN", name, (int)st);
	ck_assert_ptr_null(out);
}

START_TEST(test_nss_wrapper_present)
{
	need_nss_wrapper();
	/* root exists on every machine; dave exists only in tests/data/passwd. */
	expect_ok("EXAMPLE\\dave", NULL, NULL, "EXAMPLE\\dave");
}
END_TEST

START_TEST(test_verbatim)
{
	expect_ok("alice", NULL, NULL, "alice");
	expect_ok("alice", "example", "EXAMPLE", "alice");
	expect_ok("EXAMPLE\\dave", "EXAMPLE", NULL, "EXAMPLE\\dave");
	expect_ok("erin@example.test", NULL, NULL, "erin@example.test");
	expect_ok("erin@example.test", "example.test", NULL, "erin@example.test");
}
END_TEST

START_TEST(test_default_domain)
{
	expect_ok("EXAMPLE\\alice", "example", NULL, "alice");
	expect_ok("alice@EXAMPLE", "example", NULL, "alice");
	expect_ok("bob@example.test", "EXAMPLE.TEST", NULL, "bob");
}
END_TEST

START_TEST(test_opt_domain)
{
	expect_ok("EXAMPLE\\alice", NULL, "EXAMPLE", "alice");
	expect_ok("alice@EXAMPLE", NULL, "EXAMPLE", "alice");
	expect_ok("example\\carol", "OTHER", "Example", "carol");
}
END_TEST

START_TEST(test_dot_domain)
{
	expect_ok(".\\alice", NULL, NULL, "alice");
	expect_ok(".\\bob", "EXAMPLE", "EXAMPLE", "bob");
}
END_TEST

START_TEST(test_other_domain)
{
	expect_unknown("OTHER\\alice", "EXAMPLE", "EXAMPLE");
	expect_unknown("alice@OTHER", "EXAMPLE", NULL);
	expect_unknown("EXAMPLE\\alice", NULL, NULL);
	expect_unknown("alice@EXAMPLE", NULL, NULL);
	/* A prefix or suffix of the domain is another domain. */
	expect_unknown("EXAMPL\\alice", "EXAMPLE", NULL);
	expect_unknown("EXAMPLEX\\alice", "EXAMPLE", NULL);
	expect_unknown("alice@example.test", "example", NULL);
}
END_TEST

START_TEST(test_unknown)
{
	expect_unknown("nosuchuser", NULL, NULL);
	expect_unknown("nosuchuser", "EXAMPLE", "EXAMPLE");
	expect_unknown("EXAMPLE\\nosuchuser", "EXAMPLE", NULL);
	expect_unknown("", "EXAMPLE", NULL);
	expect_unknown(NULL, "EXAMPLE", NULL);
}
END_TEST

START_TEST(test_empty_parts)
{
	expect_unknown("EXAMPLE\\", "EXAMPLE", NULL);
	expect_unknown("\\alice", "EXAMPLE", NULL);
	expect_unknown("\\alice", "", "");
	expect_unknown("alice@", "EXAMPLE", NULL);
	expect_unknown("alice@", "", "");
	expect_unknown("@EXAMPLE", "EXAMPLE", NULL);
	expect_unknown("\\", NULL, NULL);
	expect_unknown("@", NULL, NULL);
}
END_TEST

/* Only one form is stripped: the rest must be a plain name. */
START_TEST(test_one_form_only)
{
	expect_unknown("EXAMPLE\\EXAMPLE\\alice", "EXAMPLE", NULL);
	expect_unknown("EXAMPLE\\alice@EXAMPLE", "EXAMPLE", NULL);
	expect_unknown("alice@EXAMPLE@EXAMPLE", "EXAMPLE", NULL);
	expect_unknown("EXAMPLE\\erin@example.test", "EXAMPLE", NULL);
	expect_unknown(".\\EXAMPLE\\dave", "EXAMPLE", NULL);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("account");
	TCase *tc = tcase_create("resolve");

	/* Every test depends on nss_wrapper; say so once per test, clearly. */
	tcase_add_checked_fixture(tc, need_nss_wrapper, NULL);
	tcase_add_test(tc, test_nss_wrapper_present);
	tcase_add_test(tc, test_verbatim);
	tcase_add_test(tc, test_default_domain);
	tcase_add_test(tc, test_opt_domain);
	tcase_add_test(tc, test_dot_domain);
	tcase_add_test(tc, test_other_domain);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_empty_parts);
	tcase_add_test(tc, test_one_form_only);
	suite_add_tcase(s, tc);
	return s;
}
