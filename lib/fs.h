/*
 * fs.h - the few filesystem chores berth does on this machine.
 */
#ifndef BERTH_FS_H
#define BERTH_FS_H

/* mkdir -p: 0, or -1 with errno. */
int mkdir_p(const char *path);
/* rm -rf (symlinks are removed, never followed): 0, or -1 with errno. */
int remove_tree(const char *path);

#endif
