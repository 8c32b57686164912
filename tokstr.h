/* tokstr.h - strings a token or the helper chose (labels, serial numbers,
 * messages), made safe to show in a prompt, write to syslog and export. */
#ifndef PAM_CERTMAP_TOKSTR_H
#define PAM_CERTMAP_TOKSTR_H

/* A new string: printable ASCII as it is, but '\' as "\\"; well-formed UTF-8
 * of printable characters as it is; every other byte (control characters,
 * DEL, C1 controls, line separators and bidirectional overrides, malformed
 * UTF-8) as \xHH.  NULL when out of memory. */
char *tokstr_escape(const char *s);

#endif
