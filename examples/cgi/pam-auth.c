/* pam-auth.c - a CGI program that lets PAM decide on the client certificate the web server
 * verified: 200 and the mapped user's name, or 403.  Build: cc -o pam-auth pam-auth.c -lpam */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <security/pam_appl.h>

/* The env source asks no questions: any prompt means a stack that wants a password, and a web
 * client cannot answer it here. */
static int no_questions(int n, const struct pam_message **msg, struct pam_response **resp,
			void *data)
{
	(void)n;
	(void)msg;
	(void)data;
	*resp = NULL;
	return PAM_CONV_ERR;
}

int main(void)
{
	const struct pam_conv conv = { no_questions, NULL };
	pam_handle_t *pamh = NULL;
	const void *user = NULL;
	int granted = 0;
	int rc;

	/* No user name: the certificate in SSL_CLIENT_CERT names one, and pam_certmap sets
	 * PAM_USER to it. */
	rc = pam_start("webapp-cgi", NULL, &conv, &pamh);
	if (rc != PAM_SUCCESS)
		goto out;
	rc = pam_authenticate(pamh, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	if (rc == PAM_SUCCESS)
		rc = pam_get_item(pamh, PAM_USER, &user);
	if (rc == PAM_SUCCESS && user != NULL && *(const char *)user != '\0')
		granted = 1;
out:
	if (granted)
		printf("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nhello %s\n",
		       (const char *)user);
	else
		printf("Status: 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nforbidden\n");
	if (pamh != NULL)
		pam_end(pamh, rc);
	return 0;
}
