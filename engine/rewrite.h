/* The rewriter: turns a script into the text the real shell runs under hs
 * (docs/runtime-protocol.md), and the embedded shell runtime. */
#ifndef HS_ENGINE_REWRITE_H
#define HS_ENGINE_REWRITE_H

#include <stddef.h>

struct hs_error;
struct hs_analysis;

/* engine/runtime.sh as embedded at build time (NUL-terminated, static). */
const char *hs_runtime_source(void);

/* The runtime as one line (no newline), ready to prepend to line 1; ends with "; ".
 * Static storage; NULL only if out of memory. */
const char *hs_runtime_prelude(void);

#endif
