/* The resolver's --version: the libraries it runs, asked at run time (what is linked in, not
 * what the headers said), and the Debian sources libcurl and OpenSSL were built from when the
 * Makefile passes them (the static build). */
#include "version.h"

#include "opts.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#ifndef SHIM_LINKAGE
#define SHIM_LINKAGE "shared"
#endif

void version_report(struct buf *b)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

	buf_printf(b, "covenant-shim-resolve %s (%s)\n", SHIM_VERSION, SHIM_LINKAGE);
	buf_printf(b, "  libcurl %s", cv->version);
#ifdef SHIM_CURL_SOURCE
	buf_printf(b, " (%s)", SHIM_CURL_SOURCE);
#endif
	buf_printf(b, ", protocols:");
	for (const char *const *p = cv->protocols; p && *p; p++)
		buf_printf(b, " %s", *p);
	buf_printf(b, ", TLS %s\n", cv->ssl_version ? cv->ssl_version : "none");
	buf_printf(b, "  %s", OpenSSL_version(OPENSSL_VERSION));
#ifdef SHIM_OPENSSL_SOURCE
	buf_printf(b, " (%s)", SHIM_OPENSSL_SOURCE);
#endif
	buf_printf(b, "\n");
	buf_printf(b, "  jansson %s\n", jansson_version_str());
}
