/* Where hs keeps its own state: sandboxes, commit journals, logs. */
#ifndef HS_LIB_STATE_H
#define HS_LIB_STATE_H

#include "lib/error.h"

#include <sys/types.h>

/* The state root, created 0700 if missing: $HS_STATE_DIR, else /var/lib/hs for root,
 * else $XDG_STATE_HOME/hs, else $HOME/.local/state/hs. Returns a malloc'd absolute path
 * or NULL with err set. */
char *hs_state_dir(struct hs_error *err);

/* mkdir -p with the given mode for each missing component. Returns 0 or -1 with err set. */
int hs_mkdir_p(const char *path, mode_t mode, struct hs_error *err);

#endif
