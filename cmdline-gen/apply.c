// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmdline-gen --apply / --revert / --check.
 *
 * The order of --apply never leaves a half-written configuration: compute every
 * new file in memory; check the directories are writable; lock; save the
 * originals; replace each file atomically; run the regeneration command; if
 * it fails, put every file back and exit 1.
 */
#include "apply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomicfile.h"
#include "bootcfg.h"
#include "cmdedit.h"
#include "path.h"
#include "udiff.h"

#define PROG "cmdline-gen"

bool cg_bootloader_valid(const char *name)
{
	enum bootcfg_backend b;

	return bootcfg_backend_parse(name, &b) == 0;
}

static int open_bootcfg(const struct cg_apply_opts *o, struct bootcfg *bc, bool detect)
{
	struct bootcfg_error err = { "" };
	enum bootcfg_backend forced = BOOTCFG_NONE;
	int r;

	r = bootcfg_init(bc, o->root);
	if (r < 0) {
		fprintf(stderr, PROG ": --root %s: %s\n", o->root ? o->root : "/", strerror(-r));
		return r;
	}
	if (o->bootloader)
		bootcfg_backend_parse(o->bootloader, &forced);
	if (!detect)
		return 0;
	r = bootcfg_detect(bc, forced, &err);
	if (r < 0)
		fprintf(stderr, PROG ": %s\n", err.msg);
	return r;
}

/* Run cmd with /bin/sh -c; its output goes where ours goes. Exit status, or -errno. */
static int run_command(const char *cmd, const char *root)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setenv("QUIETCORE_ROOT", root ? root : "/", 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/*
 * The generated GRUB config as it was before the regeneration command ran.
 * A command that rewrites it and then fails (a later hook, a full disk, a
 * kill) would leave a grub.cfg that boots the new line while every file it was
 * made from is put back: the next update would silently undo it, and until
 * then the host boots something no configuration file says.
 */
struct gensnap {
	char *buf; /* NULL: nothing to put back (no GRUB config, or none yet) */
	size_t len;
	struct stat st;
};

static void gensnap_take(struct bootcfg *bc, struct gensnap *gs)
{
	memset(gs, 0, sizeof(*gs));
	if ((bc->backend != BOOTCFG_GRUB && bc->backend != BOOTCFG_GRUB2) || !bc->grubcfg[0])
		return;
	if (atomicfile_read(&bc->pc, bc->grubcfg, &gs->buf, &gs->len, &gs->st) < 0)
		gs->buf = NULL;
}

/* After a failed command: put the generated config back if the command changed it. */
static void gensnap_restore(struct bootcfg *bc, struct gensnap *gs)
{
	char *now = NULL;
	size_t len = 0;
	int r;

	if (!gs->buf)
		return;
	r = atomicfile_read(&bc->pc, bc->grubcfg, &now, &len, NULL);
	if (r == 0 && len == gs->len && memcmp(now, gs->buf, len) == 0) {
		free(now);
		return;
	}
	free(now);
	r = atomicfile_write(&bc->pc, bc->grubcfg, gs->buf, gs->len, &gs->st);
	if (r < 0)
		fprintf(stderr,
			PROG ": cannot put back %s: %s; run the update command again "
			     "once the cause is fixed\n",
			bc->grubcfg, strerror(-r));
	else
		fprintf(stderr, PROG ": %s was changed by the failed command: put back as it was\n",
			bc->grubcfg);
}

static void gensnap_free(struct gensnap *gs)
{
	free(gs->buf);
	gs->buf = NULL;
}

/*
 * The regeneration command failed: put every file back (when, the words
 * after "as it was"), and the generated configuration as it was read before
 * the command. Returns 1, the exit status.
 */
static int rollback_after_command(struct bootcfg *bc, struct gensnap *gs, const char *when)
{
	struct bootcfg_error rerr = { "" };

	if (bootcfg_rollback(bc, &rerr) < 0)
		fprintf(stderr, PROG ": %s\n", rerr.msg);
	else
		fprintf(stderr, PROG ": every file was put back as it was%s\n", when);
	gensnap_restore(bc, gs);
	gensnap_free(gs);
	return 1;
}

int cg_print_diffs(const struct bootcfg *bc, bool grubby)
{
	for (size_t i = 0; i < bc->nch; i++) {
		const struct bootcfg_change *c = &bc->ch[i];
		char *d = NULL;
		int r;

		if (c->backup_only)
			continue;
		if (c->symlink) { /* no diff of a link: what it points to, before and after */
			if (c->old)
				printf("Would remove the symbolic link %s -> %s\n", c->path,
				       c->old);
			if (c->new)
				printf("Would create the symbolic link %s -> %s\n", c->path,
				       c->new);
			continue;
		}
		r = udiff_format(c->path, c->old, c->oldlen, c->path, c->new, c->newlen, &d);
		if (r < 0) {
			fprintf(stderr, PROG ": cannot format a diff: %s\n", strerror(-r));
			return r;
		}
		if (c->predicted && grubby)
			printf("# %s: grubby will make this change\n", c->path);
		fputs(d, stdout);
		free(d);
	}
	return 0;
}

/* Report whether the running kernel already has the wanted parameters. */
static void say_reboot(const struct cg_apply_opts *o, const struct kparams *wanted,
		       const char *const *managed, bool reverting)
{
	struct kparams running = { 0 };
	struct path_cxt pc;
	bool match = false;

	if (path_cxt_init(&pc, o->root) == 0 && kparams_read(&pc, &running) == 0) {
		if (reverting) {
			match = true;
			for (size_t i = 0; i < running.n; i++)
				if (cmdedit_is_managed(running.v[i].name, NULL, managed))
					match = false;
		} else if (wanted) {
			match = bootcfg_params_match(&running, wanted, managed, NULL);
		}
	}
	kparams_free(&running);
	if (match)
		printf("No reboot needed: the running kernel already boots %s.\n",
		       reverting ? "without these parameters" : "with these parameters");
	else
		printf("Reboot needed: the running kernel does not have %s.\n",
		       reverting ? "the original parameters" : "these parameters yet");
	/*
	 * The plan lives only on the kernel command line; early-pin in the
	 * initramfs reads it back at boot, so no initramfs has to be rebuilt.
	 */
	if (!match)
		printf("No initramfs rebuild needed: early-pin reads the plan from the kernel "
		       "command line at boot.\n");
}

static char *choose_command(const struct cg_apply_opts *o, const struct bootcfg *bc,
			    const struct kparams *wanted, const char *const *managed)
{
	if (o->update_command)
		return strdup(o->update_command);
	if (!bc->real_root)
		return NULL; /* never regenerate the host's config for another root */
	return bootcfg_update_command(bc, wanted, managed);
}

static void say_command(const struct cg_apply_opts *o, const struct bootcfg *bc, const char *cmd,
			const struct kparams *wanted, const char *const *managed, bool dry)
{
	if (cmd) {
		printf("%s: %s\n", dry ? "Would run" : "Running", cmd);
	} else if (!bc->real_root) {
		char *own = bootcfg_update_command(bc, wanted, managed);

		if (own)
			printf("Not running '%s' for --root %s (give --update-command to run one).\n",
			       own, o->root);
		free(own);
	}
}

/* After grubby edited the entries: do they hold the plan now? */
static bool verify_after(const struct cg_apply_opts *o, const struct bootcfg *bc,
			 const struct kparams *wanted, const char *const *managed)
{
	struct bootcfg_error err = { "" };
	struct bootcfg v;
	bool ok = false;

	if (bootcfg_init(&v, o->root) < 0)
		return false;
	if (bootcfg_detect(&v, bc->backend, &err) == 0 &&
	    bootcfg_prepare_apply(&v, wanted, managed, &err) == 0)
		ok = v.nch == 0;
	bootcfg_free(&v);
	return ok;
}

void cg_say_other_plan(const struct cg_apply_opts *o, bool runtime)
{
	struct bootcfg bc;
	bool has = (runtime ? bootcfg_init_runtime(&bc, o->root) : bootcfg_init(&bc, o->root)) ==
			   0 &&
		   bootcfg_has_state(&bc);

	bootcfg_free(&bc);
	if (has)
		printf("The %s plan is applied, though: cmdline-gen --revert%s reverts it.\n",
		       runtime ? "run-time" : "boot configuration's", runtime ? " --runtime" : "");
}

void cg_remove_stale(struct bootcfg *bc)
{
	char **removed = NULL;
	size_t n = 0;
	int r = bootcfg_remove_stale(bc, &removed, &n);

	for (size_t i = 0; i < n; i++) {
		fprintf(stderr, PROG ": removed %s, a temporary file left by an interrupted run\n",
			removed[i]);
		free(removed[i]);
	}
	free(removed);
	if (r < 0)
		fprintf(stderr,
			PROG
			": cannot remove the temporary files of an interrupted run: %s, ignoring\n",
			strerror(-r));
}

/*
 * Nothing to edit: say so, and regenerate the GRUB config when it still lacks
 * the parameters.  Returns the exit status.
 */
static int apply_unchanged(const struct cg_apply_opts *o, struct bootcfg *bc, const char *cmd,
			   const struct kparams *wanted, const char *const *managed)
{
	char *next = NULL, *where = NULL;
	struct kparams kp = { 0 };
	bool stale = false;
	int r;

	printf("Nothing to change: the %s configuration already has these parameters.\n",
	       bootcfg_backend_name(bc->backend));
	/* The generated config may still lack them (regenerated from an old copy). */
	if ((bc->backend == BOOTCFG_GRUB || bc->backend == BOOTCFG_GRUB2) &&
	    bootcfg_next_boot(bc, &next, &where) == 0 && kparams_parse(next, &kp) == 0)
		stale = !bootcfg_params_match(&kp, wanted, managed, NULL);
	kparams_free(&kp);
	if (stale && cmd) {
		printf("%s does not have them yet.\n", where);
		say_command(o, bc, cmd, wanted, managed, o->dry_run);
		if (!o->dry_run) {
			r = run_command(cmd, o->root);
			if (r != 0) {
				fprintf(stderr,
					PROG ": update command failed (exit status %d): %s\n", r,
					cmd);
				free(next);
				free(where);
				return 1;
			}
		}
	} else if (stale) {
		printf("Note: %s does not have them; regenerate it.\n", where);
	}
	free(next);
	free(where);
	say_reboot(o, wanted, managed, false);
	return 0;
}

/*
 * Run the update command after the edits, and check grubby's work; on failure
 * put every file back.  Returns 0, or nonzero once the failure is reported.
 */
static int apply_run_command(const struct cg_apply_opts *o, struct bootcfg *bc, const char *cmd,
			     const struct kparams *wanted, const char *const *managed)
{
	struct gensnap gs;
	int r;

	gensnap_take(bc, &gs);
	r = run_command(cmd, o->root);
	if (r == 0 && bc->grubby && bc->backend == BOOTCFG_BLS && !o->update_command &&
	    !verify_after(o, bc, wanted, managed)) {
		fprintf(stderr, PROG ": after '%s' the entries still do not have the plan\n", cmd);
		r = 1;
	}
	if (r == 0) {
		gensnap_free(&gs);
		return 0;
	}
	if (r > 0)
		fprintf(stderr, PROG ": update command failed (exit status %d): %s\n", r, cmd);
	else
		fprintf(stderr, PROG ": cannot run '%s': %s\n", cmd, strerror(-r));
	return rollback_after_command(bc, &gs, "");
}

int cg_apply(const struct cg_apply_opts *o, const struct kparams *wanted,
	     const char *const *managed)
{
	struct bootcfg_error err = { "" };
	struct bootcfg bc;
	char *cmd = NULL;
	int ret = 1, r;

	if (open_bootcfg(o, &bc, true) < 0)
		goto out;
	if (!o->dry_run && bootcfg_lock(&bc, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		goto out;
	}
	r = bootcfg_prepare_apply(&bc, wanted, managed, &err);
	if (r < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg[0] ? err.msg : strerror(-r));
		goto out;
	}
	if (!o->dry_run)
		cg_remove_stale(&bc);
	cmd = choose_command(o, &bc, wanted, managed);
	/* grubby edits the entries only when it is the command that runs */
	if (o->update_command || !bc.real_root)
		for (size_t i = 0; i < bc.nch; i++)
			bc.ch[i].predicted = false;

	if (bc.nch == 0) {
		ret = apply_unchanged(o, &bc, cmd, wanted, managed);
		goto out;
	}

	if (o->dry_run) {
		if (cg_print_diffs(&bc, true) < 0)
			goto out;
		say_command(o, &bc, cmd, wanted, managed, true);
		printf("Dry run: nothing was changed.\n");
		ret = 0;
		goto out;
	}

	r = bootcfg_commit(&bc, true, &err);
	if (r < 0) {
		fprintf(stderr, PROG ": %s; nothing was changed\n", err.msg);
		goto out;
	}
	for (size_t i = 0; i < bc.nch; i++)
		if (bc.ch[i].written)
			printf("Updated %s\n", bc.ch[i].path);
	say_command(o, &bc, cmd, wanted, managed, false);
	if (cmd && apply_run_command(o, &bc, cmd, wanted, managed) != 0)
		goto out;
	if (bootcfg_record_applied(&bc, &err) < 0)
		fprintf(stderr, PROG ": warning: %s, ignoring\n", err.msg);
	bootcfg_unlock(&bc);
	say_reboot(o, wanted, managed, false);
	ret = 0;
out:
	free(cmd);
	bootcfg_free(&bc);
	return ret;
}

/*
 * Where the generated config is, for the regeneration command, and drop the
 * boot entries --apply added.  Returns <0 once the error is reported.
 */
static int revert_find_generated(const struct cg_apply_opts *o, struct bootcfg *bc,
				 const char *const *managed, struct bootcfg_error *err)
{
	enum bootcfg_backend b = bc->backend;
	struct bootcfg_error derr;

	if (o->bootloader)
		bootcfg_backend_parse(o->bootloader, &b);
	if (bootcfg_detect(bc, b, &derr) < 0) {
		bc->backend = b;
	} else if (bootcfg_revert_new_entries(bc, managed, err) < 0) {
		fprintf(stderr, PROG ": %s\n", err->msg);
		return -1;
	}
	return 0;
}

/* Every file already holds its original: forget the saved state.  Returns the exit status. */
static int revert_unchanged(const struct cg_apply_opts *o, struct bootcfg *bc,
			    struct bootcfg_error *err)
{
	printf("Nothing to change: every file already holds its original.\n");
	if (!o->dry_run) {
		if (bootcfg_forget(bc, err) < 0) {
			fprintf(stderr, PROG ": %s\n", err->msg);
			return 1;
		}
	}
	return 0;
}

/* As apply_run_command, for the restored files. */
static int revert_run_command(const struct cg_apply_opts *o, struct bootcfg *bc, const char *cmd)
{
	struct gensnap gs;
	int r;

	gensnap_take(bc, &gs);
	r = run_command(cmd, o->root);
	if (r == 0) {
		gensnap_free(&gs);
		return 0;
	}
	fprintf(stderr, PROG ": update command failed (exit status %d): %s\n", r, cmd);
	return rollback_after_command(bc, &gs, " before --revert");
}

int cg_revert_prepare(const struct cg_apply_opts *o, struct bootcfg *bc, bool runtime,
		      struct bootcfg_error *err)
{
	int r;

	if (!o->dry_run && bootcfg_has_state(bc) && bootcfg_lock(bc, err) < 0) {
		fprintf(stderr, PROG ": %s\n", err->msg);
		return -1;
	}
	r = bootcfg_prepare_revert(bc, err);
	if (r == -ENOENT) {
		printf("Nothing to revert: %s\n", err->msg);
		cg_say_other_plan(o, !runtime);
		return 0;
	}
	if (r < 0) {
		fprintf(stderr, PROG ": %s\n", err->msg);
		return -1;
	}
	if (!o->dry_run)
		cg_remove_stale(bc);
	return 1;
}

int cg_revert(const struct cg_apply_opts *o, const char *const *managed)
{
	struct bootcfg_error err = { "" };
	struct bootcfg bc;
	char *cmd = NULL;
	int ret = 1, r;

	if (open_bootcfg(o, &bc, false) < 0)
		goto out;
	r = cg_revert_prepare(o, &bc, false, &err);
	if (r <= 0) {
		ret = r < 0;
		goto out;
	}
	if (revert_find_generated(o, &bc, managed, &err) < 0)
		goto out;
	cmd = choose_command(o, &bc, NULL, managed);
	for (size_t i = 0; i < bc.nch; i++)
		if (bc.ch[i].drifted)
			fprintf(stderr,
				PROG
				": warning: %s was changed since --apply; the original replaces those changes too\n",
				bc.ch[i].path);

	if (bc.nch == 0) {
		ret = revert_unchanged(o, &bc, &err);
		goto out;
	}
	if (o->dry_run) {
		if (cg_print_diffs(&bc, false) < 0)
			goto out;
		say_command(o, &bc, cmd, NULL, managed, true);
		printf("Dry run: nothing was changed.\n");
		ret = 0;
		goto out;
	}
	r = bootcfg_commit(&bc, false, &err);
	if (r < 0) {
		fprintf(stderr, PROG ": %s; nothing was changed\n", err.msg);
		goto out;
	}
	for (size_t i = 0; i < bc.nch; i++)
		if (bc.ch[i].written)
			printf("Restored %s\n", bc.ch[i].path);
	say_command(o, &bc, cmd, NULL, managed, false);
	if (cmd && revert_run_command(o, &bc, cmd) != 0)
		goto out;
	if (bootcfg_forget(&bc, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		goto out;
	}
	bootcfg_unlock(&bc);
	say_reboot(o, NULL, managed, true);
	ret = 0;
out:
	free(cmd);
	bootcfg_free(&bc);
	return ret;
}

static bool line_matches(const char *line, const struct kparams *wanted, const char *const *managed,
			 char **ret_diff)
{
	struct kparams kp = { 0 };
	bool ok;

	if (kparams_parse(line, &kp) < 0) {
		*ret_diff = strdup("cannot parse");
		return false;
	}
	ok = bootcfg_params_match(&kp, wanted, managed, ret_diff);
	kparams_free(&kp);
	return ok;
}

int cg_check(const struct cg_apply_opts *o, const struct kparams *wanted,
	     const char *const *managed)
{
	struct kparams running = { 0 };
	struct path_cxt pc;
	struct bootcfg bc;
	char *d_run = NULL, *d_next = NULL, *d_src = NULL;
	char *next = NULL, *nwhere = NULL, *src = NULL, *swhere = NULL;
	struct bootcfg_error serr = { "" };
	bool in_effect, next_ok = false, src_ok = true, src_unknown = false, have_bc;
	int r, ret = 1;

	r = path_cxt_init(&pc, o->root);
	if (r == 0)
		r = kparams_read(&pc, &running);
	if (r < 0) {
		fprintf(stderr, PROG ": cannot read the running kernel's command line: %s: %s\n",
			path_last(&pc), strerror(-r));
		return 1;
	}
	in_effect = bootcfg_params_match(&running, wanted, managed, &d_run);
	kparams_free(&running);

	have_bc = open_bootcfg(o, &bc, true) == 0;
	if (have_bc) {
		r = bootcfg_next_boot(&bc, &next, &nwhere);
		if (r == 0)
			next_ok = line_matches(next, wanted, managed, &d_next);
		else if (asprintf(&d_next, "cannot read the boot configuration: %s", strerror(-r)) <
			 0)
			d_next = NULL;
		r = bootcfg_source_cmdline(&bc, &src, &swhere, &serr);
		if (r == 0)
			src_ok = line_matches(src, wanted, managed, &d_src);
		src_unknown = r == -EINVAL;
		if (src_unknown)
			src_ok = false;
	}

	printf("running kernel (/proc/cmdline): %s%s\n",
	       in_effect ? "has the plan" : "differs: ", in_effect ? "" : d_run);
	if (have_bc) {
		printf("next boot (%s, %s): %s%s\n",
		       nwhere	     ? nwhere :
		       bc.grubcfg[0] ? bc.grubcfg :
				       bc.entries,
		       bootcfg_backend_name(bc.backend), next_ok ? "has the plan" : "differs: ",
		       next_ok ? "" :
		       d_next  ? d_next :
				 "");
		if (swhere)
			printf("configuration (%s): %s%s\n", swhere,
			       src_ok ? "has the plan" : "differs: ", src_ok ? "" : d_src);
		else if (src_unknown)
			printf("configuration: %s\n", serr.msg);
	}

	if (src_unknown) {
		printf("Cannot tell whether the boot configuration keeps the plan (see above): make the file plain assignments, then run cmdline-gen --check again.\n");
	} else if (in_effect && next_ok && src_ok) {
		printf("In effect, and still configured for the next boot.\n");
		ret = 0;
	} else if (!in_effect && next_ok && src_ok) {
		printf("Configured but not yet booted: reboot pending.\n");
	} else if (in_effect) {
		printf("Booted with the plan, but lost from the boot configuration since (a GRUB or kernel update may have dropped it): run cmdline-gen --apply again.\n");
	} else if (src_ok && swhere && !next_ok) {
		printf("Not in effect: %s has the plan but the boot configuration was not regenerated: run cmdline-gen --apply.\n",
		       swhere);
	} else {
		printf("Not in effect, and the boot configuration differs from the plan (see above): run cmdline-gen --apply.\n");
	}
	if (have_bc)
		bootcfg_free(&bc);
	free(d_run);
	free(d_next);
	free(d_src);
	free(next);
	free(nwhere);
	free(src);
	free(swhere);
	return ret;
}
