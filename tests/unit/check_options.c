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

START_TEST(pkcs11_source_is_not_built)
{
	struct options o;
	char err[256];

	ck_assert_int_eq(options_parse(0, NULL, &o, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "source=pkcs11 (the default) is not in this build"));
	ck_assert_int_eq(PARSE(&o, err, "source=pkcs11"), -1);
}
END_TEST

START_TEST(pkcs11_options_are_refused_by_name)
{
	static const char *const names[] = { "ca_file=/x", "crl_file=/x", "ca_dir=/x",
		"pkcs11_module=/x", "token_label=x", "token_timeout=3", "use_first_pass",
		"try_first_pass" };
	struct options o;
	char err[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ck_assert_int_eq(PARSE(&o, err, "source=env", names[i]), -1);
		ck_assert_msg(strstr(err, "belongs to the pkcs11 source") != NULL, "%s: %s",
			      names[i], err);
	}
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
	tcase_add_test(tc, pkcs11_source_is_not_built);
	tcase_add_test(tc, pkcs11_options_are_refused_by_name);
	tcase_add_test(tc, last_value_wins);
	suite_add_tcase(s, tc);
	return s;
}
