/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootcfg: where a host's kernel command line is configured, and the
 * transaction that changes it.
 *
 * Back ends:
 *   grub            Debian/Ubuntu: GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub
 *                   or the drop-in where it is effective; then update-grub.
 *   grub2           Fedora/RHEL without BLS: the same file; then grub2-mkconfig -o
 *                   the config that really boots (BIOS /boot/grub2/grub.cfg; EFI
 *                   /boot/efi/EFI/<id>/grub.cfg unless that is the small stub that
 *                   loads /boot/grub2/grub.cfg, as on Fedora 34+ and RHEL 9).
 *   bls             /boot/loader/entries/ *.conf "options" lines of every installed
 *                   kernel, /etc/kernel/cmdline for kernels installed later, and
 *                   /etc/default/grub when present (grub2-mkconfig rewrites entries
 *                   from it). With grubby installed, grubby edits the entries.
 *   kernel-install  systemd-boot: /etc/kernel/cmdline and the entries on the ESP.
 *
 * The transaction: every new content is computed in memory first (nothing is
 * written when anything fails); then the directories are checked writable;
 * the state directory is locked (flock); the original of every file is saved
 * the first time quietcore changes it; every file is replaced atomically;
 * on any failure, or when the caller's regeneration command fails,
 * bootcfg_rollback() puts back every file and the state directory as they
 * were.
 *
 * State under the root (BOOTCFG_STATE_DIR; BOOTCFG_RUNTIME_STATE_DIR for the
 * run-time plan of bootcfg_init_runtime(), a transaction of its own):
 *   lock            flock(2) held by --apply and --revert
 *   manifest        "quietcore-bootcfg 1", "backend NAME", then one line per file:
 *                   "saved PATH" (original in orig/PATH) or "absent PATH" (created by us),
 *                   "link PATH TARGET" (a symbolic link created by us), and one per
 *                   directory created by us: "mkdir DIR"
 *   orig/PATH       the bytes, mode and owner of PATH before the first --apply
 *   applied/PATH    what the last successful --apply left in PATH
 *
 * The run-time plan (cmdline-gen --apply --runtime, bootruntime.c) is not a
 * boot loader: a systemd drop-in that gives quietcore-partition.service its
 * CPUs, and the symbolic link that enables the unit.
 *
 * Where each part lives (bootcfg-internal.h has the map): detection in
 * bootdetect.c, the edit in bootedit.c, the transaction in boottxn.c, what
 * the configuration says in bootinspect.c; files are read and written with
 * lib/atomicfile through the path context in struct bootcfg.
 */
#ifndef QC_BOOTCFG_H
#define QC_BOOTCFG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "cpuset.h"
#include "kparam.h"
#include "path.h"

#define BOOTCFG_STATE_DIR "/var/lib/quietcore/bootcfg"
#define BOOTCFG_RUNTIME_STATE_DIR "/var/lib/quietcore/runtime"
#define BOOTCFG_CMDLINE_MAX 2048 /* x86 COMMAND_LINE_SIZE, with the NUL */

enum bootcfg_backend {
	BOOTCFG_NONE = 0,
	BOOTCFG_GRUB,
	BOOTCFG_GRUB2,
	BOOTCFG_BLS,
	BOOTCFG_KERNEL_INSTALL,
	BOOTCFG_RUNTIME, /* no boot loader: the run-time plan's systemd files */
};

/* The run-time plan: the unit the package ships, its drop-in, its enablement link. */
#define BOOTCFG_PARTITION_UNIT "quietcore-partition.service"
#define BOOTCFG_PARTITION_DROPIN \
	"/etc/systemd/system/" BOOTCFG_PARTITION_UNIT ".d/50-quietcore-plan.conf"
#define BOOTCFG_PARTITION_WANTS "/etc/systemd/system/sysinit.target.wants/" BOOTCFG_PARTITION_UNIT
#define BOOTCFG_PARTITION_VAR "QC_PARTITION_CPUS"

struct bootcfg_change {
	char *path; /* absolute, below the root */
	char *old;  /* NULL when the file does not exist */
	size_t oldlen;
	struct stat st; /* of the old file */
	char *new;	/* NULL: remove the file */
	size_t newlen;
	struct stat newst; /* mode/owner for new (revert: the original's) */
	bool have_newst;
	bool backup_only; /* not written by us (the command may change it) */
	bool predicted;	  /* new content is what the command will produce */
	bool written;	  /* done by bootcfg_commit */
	bool drifted;	  /* revert: changed since --apply wrote it */
	bool symlink;	  /* path is a symbolic link: old and new are its targets */
};

struct bootcfg {
	struct path_cxt pc; /* --root: every file is read and written below it */
	bool real_root;
	enum bootcfg_backend backend;
	bool efi;		/* /sys/firmware/efi exists */
	bool grubby;		/* grubby is installed */
	char grubcfg[PATH_MAX]; /* generated GRUB config that boots */
	char entries[PATH_MAX]; /* BLS entries directory */
	char os_id[64];
	struct bootcfg_change *ch;
	size_t nch;
	/* transaction state */
	int lockfd;
	char *manifest_old; /* manifest before commit, NULL if none */
	size_t manifest_oldlen;
	bool did_save;		    /* the manifest was (re)written by commit */
	bool state_created;	    /* the state directory did not exist */
	bool forgotten;		    /* bootcfg_forget() done: unlock removes the state */
	char created_top[PATH_MAX]; /* highest directory we created */
	char **saved;		    /* orig/ files created by this commit */
	size_t nsaved;
	char **newdirs; /* directories this commit creates, parents first */
	size_t nnewdirs;
	char **madedirs; /* revert: the manifest's "mkdir" directories */
	size_t nmadedirs;
	/* the state directory and its files (BOOTCFG_STATE_DIR or BOOTCFG_RUNTIME_STATE_DIR) */
	char state_dir[48];
	char manifest_path[64];
	char lock_path[64];
	char orig_dir[64];
	char applied_dir[64];
};

/* A message for the user: "what failed: path: reason" (no program name). */
struct bootcfg_error {
	char msg[1024];
};

const char *bootcfg_backend_name(enum bootcfg_backend b);
/* "grub", "grub2", "bls", "kernel-install" (also "systemd-boot"); -EINVAL otherwise. */
int bootcfg_backend_parse(const char *s, enum bootcfg_backend *ret);

int bootcfg_init(struct bootcfg *bc, const char *root);
/*
 * The run-time plan's transaction: backend BOOTCFG_RUNTIME, its state in
 * BOOTCFG_RUNTIME_STATE_DIR (so that it and the boot loader's are applied
 * and reverted apart). No bootcfg_detect().
 */
int bootcfg_init_runtime(struct bootcfg *bc, const char *root);
void bootcfg_free(struct bootcfg *bc);

/*
 * Detect the back end, or check that `forced` (BOOTCFG_NONE: detect) fits
 * this host. Fills grubcfg/entries/efi/grubby. -ENOENT / -EINVAL with err.
 */
int bootcfg_detect(struct bootcfg *bc, enum bootcfg_backend forced, struct bootcfg_error *err);

/*
 * Compute the changes that bring the wanted parameters (and remove other
 * managed ones). Validates the parameters (shell-safe characters) and the
 * resulting command line length. Nothing is written. bc->nch = 0 means
 * nothing to change.
 */
int bootcfg_prepare_apply(struct bootcfg *bc, const struct kparams *wanted,
			  const char *const *managed, struct bootcfg_error *err);

/*
 * The run-time plan (after bootcfg_init_runtime()): BOOTCFG_PARTITION_DROPIN
 * says QC_PARTITION_CPUS=<isolated as a cpulist>, and BOOTCFG_PARTITION_WANTS
 * is a symbolic link to unit_dir/BOOTCFG_PARTITION_UNIT. A link already there
 * to a file of that name (any directory: systemctl enable made it) is left
 * alone; anything else there is refused (-EEXIST), as is a unit_dir that is
 * not an absolute path of plain characters (-EINVAL). Nothing is written;
 * bc->nch = 0 means nothing to change.
 */
int bootcfg_prepare_runtime(struct bootcfg *bc, const cpuset_t *isolated, const char *unit_dir,
			    struct bootcfg_error *err);

/*
 * The CPUs BOOTCFG_PARTITION_DROPIN gives the unit, as written there
 * (*ret_cpulist malloc'ed). -ENOENT no drop-in, -ENODATA no
 * "Environment=QC_PARTITION_CPUS=" line in it; path_last() of bc->pc names it.
 */
int bootcfg_runtime_cpus(struct bootcfg *bc, char **ret_cpulist);

/*
 * With the lock held, after bootcfg_prepare_apply()/_revert(): remove the
 * temporary files an interrupted (killed) run left next to every file this
 * one may write, the state files included (atomicfile_remove_stale()).
 * Their paths are appended to *ret_removed (may be NULL). Count or -errno.
 */
int bootcfg_remove_stale(struct bootcfg *bc, char ***ret_removed, size_t *ret_n);

/*
 * Changes that bring back the originals saved by earlier --apply runs.
 * -ENOENT only when there is no manifest (--apply never changed this host);
 * an original or manifest that cannot be read is another error, and the
 * message names the files that still hold what --apply wrote.
 */
int bootcfg_prepare_revert(struct bootcfg *bc, struct bootcfg_error *err);

/*
 * After bootcfg_prepare_revert() and bootcfg_detect(): BLS entries installed
 * after --apply (so not saved) get the managed parameters taken out again.
 */
int bootcfg_revert_new_entries(struct bootcfg *bc, const char *const *managed,
			       struct bootcfg_error *err);

/* The regeneration command on the real root (malloc'ed), NULL if the back end has none. */
char *bootcfg_update_command(const struct bootcfg *bc, const struct kparams *wanted,
			     const char *const *managed);

/* Are the directories of every change writable? Nothing is written. */
int bootcfg_check_writable(struct bootcfg *bc, struct bootcfg_error *err);

/*
 * Lock, save originals (apply: save = true), write every change. On failure
 * everything done is undone before returning.
 */
int bootcfg_commit(struct bootcfg *bc, bool save, struct bootcfg_error *err);
/* Undo a successful bootcfg_commit (the command failed). */
int bootcfg_rollback(struct bootcfg *bc, struct bootcfg_error *err);
/*
 * After a successful --apply: keep a copy of what each file holds now in
 * applied/, so that --revert can tell a file changed since (a warning).
 */
int bootcfg_record_applied(struct bootcfg *bc, struct bootcfg_error *err);
/* After a successful revert: remove the saved originals and the manifest. */
int bootcfg_forget(struct bootcfg *bc, struct bootcfg_error *err);
/*
 * Create the state directory and take its lock without waiting (-EBUSY when
 * another run holds it). Call before preparing, so that no other run changes
 * the files between reading and writing them.
 */
int bootcfg_lock(struct bootcfg *bc, struct bootcfg_error *err);
/*
 * Release the lock; a state directory this run created and left empty is
 * removed, and after bootcfg_forget() the lock file and the state
 * directories the first --apply made.
 */
void bootcfg_unlock(struct bootcfg *bc);

/* Did a previous --apply leave originals (a manifest)? */
bool bootcfg_has_state(struct bootcfg *bc);

/*
 * What the bootloader will boot next: the kernel arguments of the default
 * entry of the generated GRUB config, or of the newest BLS entry.
 * *ret_where names the file. -ENOENT when there is no generated config/entry.
 */
int bootcfg_next_boot(struct bootcfg *bc, char **ret_cmdline, char **ret_where);

/*
 * What the source configuration says (GRUB defaults: GRUB_CMDLINE_LINUX +
 * GRUB_CMDLINE_LINUX_DEFAULT evaluated as the shell would; BLS and
 * kernel-install: /etc/kernel/cmdline), *ret_where its file. -EINVAL with
 * err set when the defaults do not parse or the reader cannot tell which
 * assignment the shell keeps (never a guessed value).
 */
int bootcfg_source_cmdline(struct bootcfg *bc, char **ret_cmdline, char **ret_where,
			   struct bootcfg_error *err);

/*
 * Do the parameters in kp match the wanted ones (each present once, values
 * equal as cpulists / isolcpus sets when they parse as such) and no other
 * managed parameter present? *ret_diff (malloc'ed) describes the first
 * differences, "" when they match.
 */
bool bootcfg_params_match(const struct kparams *kp, const struct kparams *wanted,
			  const char *const *managed, char **ret_diff);

#endif
