/* check_options.c - the pam.d arguments: defaults, each option, and each way
 * an argument can be wrong (SPEC 3.2, 3.5 "bad option"). */
#include "config.h"
#include "unit.h"
#include "options.h"
#include "mapfile.h"

#include <string.h>

static int parse(struct options *o, char *err, const char **argv, int argc)
{
	return options_parse(argc, argv, o, err, 256);
}

#define PARSE(o, err, ...)                                                   \
	({                                                                   \
		const char *argv_[] = { __VA_ARGS__ };                       \
		parse(o, err, argv_, (int)(sizeof(argv_) / sizeof(argv_[0]))); \
	})

START_TEST(defaults_with_source_env)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(PARSE(&o, err, "source=env"), 0);
	ck_assert_str_eq(o.mapfile, MAPFILE_DEFAULT_PATH);
	ck_assert_str_eq(o.env, "SSL_CLIENT_CERT");
	ck_assert_ptr_null(o.location);
	ck_assert_ptr_null(o.domain);
	ck_assert_int_eq(o.source, SOURCE_ENV);
	ck_assert_int_eq(o.process_env + o.allow_expired + o.debug, 0);
}
END_TEST

START_TEST(every_option_is_read)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(PARSE(&o, err, "source=env", "mapfile=/etc/x.xml", "location=Web/App",
			       "env=X_CERT", "domain=EXAMPLE", "process_env", "allow_expired",
			       "debug"), 0);
	ck_assert_str_eq(o.mapfile, "/etc/x.xml");
	ck_assert_str_eq(o.location, "Web/App");
	ck_assert_str_eq(o.env, "X_CERT");
	ck_assert_str_eq(o.domain, "EXAMPLE");
	ck_assert_int_eq(o.process_env, 1);
	ck_assert_int_eq(o.allow_expired, 1);
	ck_assert_int_eq(o.debug, 1);
}
END_TEST

START_TEST(unknown_option_is_refused)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(PARSE(&o, err, "source=env", "nullok"), -1);
	ck_assert_str_eq(err, "unknown option 'nullok'");
}
END_TEST

START_TEST(option_names_are_case_sensitive)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(PARSE(&o, err, "source=env", "Debug"), -1);
	ck_assert_str_eq(err, "unknown option 'Debug'");
}
END_TEST

START_TEST(flag_with_value_is_refused)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(PARSE(&o, err, "source=env", "debug=1"), -1);
	ck_assert_str_eq(err, "option 'debug' takes no value");
}
END_TEST

START_TEST(empty_value_is_refused)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(PARSE(&o, err, "source=env", "env="), -1);
	ck_assert_str_eq(err, "option 'env' needs a value: env=...");
	ck_assert_int_eq(PARSE(&o, err, "source=env", "mapfile"), -1);
	ck_assert_str_eq(err, "option 'mapfile' needs a value: mapfile=...");
}
END_TEST

START_TEST(bad_source_is_refused)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(PARSE(&o, err, "source=ldap"), -1);
	ck_assert_str_eq(err, "malformed option 'source=ldap': source is pkcs11 or env");
}
END_TEST

START_TEST(relative_mapfile_is_refused)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(PARSE(&o, err, "source=env", "mapfile=certmap.xml"), -1);
	ck_assert_str_eq(err, "mapfile=certmap.xml is not an absolute path");
}
END_TEST

START_TEST(pkcs11_is_the_default_source)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(options_parse(0, NULL, &o, err, sizeof(err)), 0);
	ck_assert_int_eq(o.source, SOURCE_PKCS11);
	ck_assert_str_eq(o.pkcs11_module, DEFAULT_PKCS11_MODULE);
	ck_assert_int_eq(o.token_timeout, 10);
	ck_assert_int_eq(o.wait_for_card, 0);
	ck_assert_ptr_null(o.token_label);
	ck_assert_ptr_null(o.ca_file);
	ck_assert_ptr_null(o.ca_dir);
	ck_assert_ptr_null(o.crl_file);
	ck_assert_int_eq(o.use_first_pass + o.try_first_pass, 0);
}
END_TEST

START_TEST(pkcs11_options_are_read)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(PARSE(&o, err, "pkcs11_module=/usr/lib/x.so", "token_label=PIV card",
			       "token_timeout=3", "ca_file=/etc/ca.pem", "ca_dir=/etc/ca",
			       "crl_file=/etc/crl.pem", "try_first_pass"), 0);
	ck_assert_str_eq(o.pkcs11_module, "/usr/lib/x.so");
	ck_assert_str_eq(o.token_label, "PIV card");
	ck_assert_int_eq(o.token_timeout, 3);
	ck_assert_str_eq(o.ca_file, "/etc/ca.pem");
	ck_assert_str_eq(o.ca_dir, "/etc/ca");
	ck_assert_str_eq(o.crl_file, "/etc/crl.pem");
	ck_assert_int_eq(o.try_first_pass, 1);
}
END_TEST

START_TEST(token_timeout_must_be_whole_seconds_in_range)
{
	static const char *const bad[] = { "token_timeout=0", "token_timeout=301",
		"token_timeout=abc", "token_timeout=-1", "token_timeout=2.5", "token_timeout=5s",
		"token_timeout=99999999999999999999" };
	struct options o;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(PARSE(&o, err, bad[i]), -1);
		ck_assert_msg(strstr(err, "a whole number of seconds, 1 to 300") != NULL, "%s: %s",
			      bad[i], err);
	}
	ck_assert_int_eq(PARSE(&o, err, "token_timeout=300"), 0);
	ck_assert_int_eq(o.token_timeout, 300);
}
END_TEST

START_TEST(wait_for_card_is_seconds_and_may_be_zero)
{
	static const char *const bad[] = { "wait_for_card=-1", "wait_for_card=301",
		"wait_for_card=", "wait_for_card", "wait_for_card=1m", "wait_for_card= 5" };
	struct options o;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(PARSE(&o, err, bad[i]), -1);
		ck_assert_msg(strstr(err, "wait_for_card") != NULL, "%s: %s", bad[i], err);
	}
	ck_assert_int_eq(PARSE(&o, err, "wait_for_card=-1"), -1);
	ck_assert_str_eq(err, "malformed option 'wait_for_card=-1': a whole number of seconds, "
			 "0 to 300");
	ck_assert_int_eq(PARSE(&o, err, "wait_for_card=0"), 0);
	ck_assert_int_eq(o.wait_for_card, 0);
	ck_assert_int_eq(PARSE(&o, err, "wait_for_card=300"), 0);
	ck_assert_int_eq(o.wait_for_card, 300);
	ck_assert_int_eq(PARSE(&o, err, "source=env", "wait_for_card=5"), -1);
	ck_assert_str_eq(err, "option 'wait_for_card' applies to source=pkcs11 only");
}
END_TEST

START_TEST(paths_must_be_absolute)
{
	static const char *const bad[] = { "ca_file=ca.pem", "ca_dir=certs", "crl_file=crl.pem",
		"pkcs11_module=opensc-pkcs11.so", "mapfile=certmap.xml" };
	struct options o;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(PARSE(&o, err, bad[i]), -1);
		ck_assert_msg(strstr(err, "is not an absolute path") != NULL, "%s: %s", bad[i], err);
	}
}
END_TEST

START_TEST(crl_file_needs_a_trust_anchor)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(PARSE(&o, err, "crl_file=/etc/crl.pem"), -1);
	ck_assert_ptr_nonnull(strstr(err, "crl_file needs ca_file or ca_dir"));
	ck_assert_int_eq(PARSE(&o, err, "crl_file=/etc/crl.pem", "ca_dir=/etc/ca"), 0);
}
END_TEST

START_TEST(revocation_options_are_read)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(PARSE(&o, err, "ca_file=/etc/ca.pem", "crl_dir=/etc/crls"), 0);
	ck_assert_str_eq(o.crl_dir, "/etc/crls");
	ck_assert_int_eq(o.ocsp, TRUST_OCSP_OFF);
	ck_assert_int_eq(o.ocsp_timeout, 0);
	ck_assert_ptr_null(o.ocsp_url);
	ck_assert_int_eq(PARSE(&o, err, "ca_dir=/etc/ca", "ocsp=soft",
			       "ocsp_url=http://ocsp.example.test:8080/ca", "ocsp_timeout=3"), 0);
	ck_assert_int_eq(o.ocsp, TRUST_OCSP_SOFT);
	ck_assert_str_eq(o.ocsp_url, "http://ocsp.example.test:8080/ca");
	ck_assert_int_eq(o.ocsp_timeout, 3);
	ck_assert_int_eq(PARSE(&o, err, "ca_dir=/etc/ca", "ocsp=require"), 0);
	ck_assert_int_eq(o.ocsp, TRUST_OCSP_REQUIRE);
	ck_assert_int_eq(PARSE(&o, err, "ocsp=off"), 0);
	ck_assert_int_eq(o.ocsp, TRUST_OCSP_OFF);
}
END_TEST

START_TEST(bad_revocation_options_are_refused)
{
	static const struct { const char *a, *b, *err; } bad[] = {
		{ "ocsp=maybe", "ca_file=/c", "malformed option 'ocsp=maybe'" },
		{ "ocsp=SOFT", "ca_file=/c", "ocsp is off, soft or require" },
		{ "ocsp=", "ca_file=/c", "ocsp is off, soft or require" },
		{ "ocsp", "ca_file=/c", "ocsp is off, soft or require" },
		{ "ocsp=soft", "domain=x", "ocsp needs ca_file or ca_dir" },
		{ "crl_dir=/d", "domain=x", "crl_dir needs ca_file or ca_dir" },
		{ "crl_dir=d", "ca_file=/c", "crl_dir=d is not an absolute path" },
		{ "ocsp_url=http://x/", "ca_file=/c", "ocsp_url needs ocsp=soft or ocsp=require" },
		{ "ocsp_timeout=2", "ca_file=/c", "ocsp_timeout needs ocsp=soft or ocsp=require" },
		{ "ocsp_url=https://x/", "ocsp=soft", "an http:// URL" },
		{ "ocsp_url=ftp://x/", "ocsp=soft", "an http:// URL" },
		{ "ocsp_url=http://", "ocsp=soft", "an http:// URL" },
		{ "ocsp_url=x", "ocsp=soft", "an http:// URL" },
		{ "ocsp_timeout=0", "ocsp=soft", "a whole number of seconds, 1 to 300" },
		{ "ocsp_timeout=301", "ocsp=soft", "a whole number of seconds, 1 to 300" },
	};
	struct options o;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(PARSE(&o, err, bad[i].a, bad[i].b), -1);
		ck_assert_msg(strstr(err, bad[i].err) != NULL, "%s: %s", bad[i].a, err);
	}
}
END_TEST

START_TEST(first_pass_options_exclude_each_other)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(PARSE(&o, err, "use_first_pass", "try_first_pass"), -1);
	ck_assert_str_eq(err, "use_first_pass and try_first_pass exclude each other");
}
END_TEST

START_TEST(options_of_the_other_source_are_refused)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(PARSE(&o, err, "source=env", "token_label=PIV"), -1);
	ck_assert_str_eq(err, "option 'token_label' applies to source=pkcs11 only");
	ck_assert_int_eq(PARSE(&o, err, "use_first_pass", "source=env"), -1);
	ck_assert_str_eq(err, "option 'use_first_pass' applies to source=pkcs11 only");
	ck_assert_int_eq(PARSE(&o, err, "process_env"), -1);
	ck_assert_str_eq(err, "option 'process_env' applies to source=env only");
	ck_assert_int_eq(PARSE(&o, err, "source=pkcs11", "env=X"), -1);
	ck_assert_str_eq(err, "option 'env' applies to source=env only");
	ck_assert_int_eq(PARSE(&o, err, "source=env", "ca_file=/etc/ca.pem", "allow_expired"), 0);
}
END_TEST

START_TEST(source_after_its_options_keeps_them)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(PARSE(&o, err, "pkcs11_module=/usr/lib/x.so", "token_timeout=4",
			       "source=pkcs11"), 0);
	ck_assert_str_eq(o.pkcs11_module, "/usr/lib/x.so");
	ck_assert_int_eq(o.token_timeout, 4);
}
END_TEST

START_TEST(last_value_wins)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(PARSE(&o, err, "source=env", "env=A", "env=B"), 0);
	ck_assert_str_eq(o.env, "B");
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("options");

	tcase_add_test(tc, defaults_with_source_env);
	tcase_add_test(tc, every_option_is_read);
	tcase_add_test(tc, unknown_option_is_refused);
	tcase_add_test(tc, option_names_are_case_sensitive);
	tcase_add_test(tc, flag_with_value_is_refused);
	tcase_add_test(tc, empty_value_is_refused);
	tcase_add_test(tc, bad_source_is_refused);
	tcase_add_test(tc, relative_mapfile_is_refused);
	tcase_add_test(tc, pkcs11_is_the_default_source);
	tcase_add_test(tc, pkcs11_options_are_read);
	tcase_add_test(tc, token_timeout_must_be_whole_seconds_in_range);
	tcase_add_test(tc, wait_for_card_is_seconds_and_may_be_zero);
	tcase_add_test(tc, paths_must_be_absolute);
	tcase_add_test(tc, crl_file_needs_a_trust_anchor);
	tcase_add_test(tc, revocation_options_are_read);
	tcase_add_test(tc, bad_revocation_options_are_refused);
	tcase_add_test(tc, first_pass_options_exclude_each_other);
	tcase_add_test(tc, options_of_the_other_source_are_refused);
	tcase_add_test(tc, source_after_its_options_keeps_them);
	tcase_add_test(tc, last_value_wins);
	suite_add_tcase(s, tc);
	return s;
}
