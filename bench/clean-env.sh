# Sourced first by each bench section: re-run the calling script in a small, clean environment,
# so that no AWS_* or COVENANT_SHIM_* setting, arn:aws: value or ~/.aws of the caller reaches
# the tools measured (a stray reference would make covenant-shim exec its resolver).
if [ -z "${BENCH_CLEAN_ENV:-}" ]; then
	exec env -i BENCH_CLEAN_ENV=1 BUILD="${BUILD:-build}" LANG=C \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		bash "$0" "$@"
fi
