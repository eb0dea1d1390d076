// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The GRUB defaults reader (lib/grubdefault) against dash, the /bin/sh that
 * grub-mkconfig sources /etc/default/grub with.
 *
 * The fuzz bytes never reach a shell: they pick productions of a small
 * grammar of what such files hold (assignments with every quoting, export,
 * readonly, comments with quotes, here-documents of every kind, `:` and
 * `true` with assignments in front, if/else/fi, { } groups, ( ) subshells,
 * && || and pipelines, functions and their calls, unset, ${X:=..}, line
 * continuations), made only of fixed tokens and builtins: the file can run
 * no other command. dash sources it in a private directory with an empty
 * environment, PATH=/nonexistent and a 5-second alarm. Properties:
 *  - where the reader claims a value for GRUB_CMDLINE_LINUX and
 *    GRUB_CMDLINE_LINUX_DEFAULT, dash exits 0 and prints the same values;
 *  - where grubdefault_edit() accepts the file, dash sourcing the edited file
 *    gives a kernel command line that has the plan (each wanted parameter
 *    once, no other managed one).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bootcfg.h"
#include "fuzz.h"
#include "grubdefault.h"
#include "kparam.h"
#include "plan.h"

#define DASH "/bin/dash"
#define PLAN "isolcpus=domain,managed_irq,1-3 nohz_full=1-3 rcu_nocbs=1-3 irqaffinity=0"

static struct kparams wanted;
static char dir[64], file[96];
static bool have_dash;
/* how many files were made, compared with dash, edited and checked */
static unsigned long n_files, n_compared, n_edited;

/* The generator: a cursor over the fuzz bytes, and the text made so far. */
struct gen {
	const uint8_t *d;
	size_t n, i;
	char *out;
	size_t len, cap;
	int depth;
};

static unsigned int pick(struct gen *g, unsigned int nchoices)
{
	unsigned int v = g->i < g->n ? g->d[g->i++] : 0;

	return v % nchoices;
}

static void emit(struct gen *g, const char *s)
{
	size_t l = strlen(s);

	if (g->len + l + 1 > g->cap) {
		char *grown;

		g->cap = (g->len + l + 1) * 2;
		grown = realloc(g->out, g->cap);
		FUZZ_ASSERT(grown);
		g->out = grown;
	}
	memcpy(g->out + g->len, s, l + 1);
	g->len += l;
}

static const char *const names[] = { "GRUB_CMDLINE_LINUX_DEFAULT", "GRUB_CMDLINE_LINUX", "A", "B" };
static const char *const words[] = { "quiet", "splash", "isolcpus=6", "nohz_full=2-3",
				     "a=b",   "x",	"ro",	      "console=ttyS0" };

static const char *name(struct gen *g)
{
	return names[pick(g, 4)];
}

/* One word of a value, in one of the quoting styles, maybe a reference. */
static void value_piece(struct gen *g, bool in_dq)
{
	switch (pick(g, 6)) {
	case 0:
	case 1:
		emit(g, words[pick(g, 8)]);
		break;
	case 2:
		emit(g, "$");
		emit(g, name(g));
		break;
	case 3:
		emit(g, "${");
		emit(g, name(g));
		emit(g, "}");
		break;
	case 4:
		emit(g, in_dq ? "\\\"q\\\"" : "\\ ");
		break;
	default:
		emit(g, in_dq ? "\\\n" : "\\$");
		break;
	}
}

static void value(struct gen *g)
{
	unsigned int n = pick(g, 4);

	switch (pick(g, 5)) {
	case 0: /* unquoted */
		for (unsigned int k = 0; k < n && k < 1; k++)
			value_piece(g, false);
		break;
	case 1: /* "..." */
		emit(g, "\"");
		for (unsigned int k = 0; k < n; k++) {
			if (k)
				emit(g, pick(g, 2) ? " " : "  ");
			value_piece(g, true);
		}
		emit(g, "\"");
		break;
	case 2: /* '...' */
		emit(g, "'");
		for (unsigned int k = 0; k < n; k++) {
			if (k)
				emit(g, " ");
			emit(g, pick(g, 4) ? words[pick(g, 8)] : "$A \" #");
		}
		emit(g, "'");
		break;
	case 3: /* "$X"' more' */
		emit(g, "\"$");
		emit(g, name(g));
		emit(g, "\"' ");
		emit(g, words[pick(g, 8)]);
		emit(g, "'");
		break;
	default: /* empty */
		break;
	}
}

static void assignment(struct gen *g)
{
	emit(g, name(g));
	emit(g, "=");
	value(g);
}

static void statement(struct gen *g);

static void body(struct gen *g)
{
	unsigned int n = 1 + pick(g, 2);

	for (unsigned int k = 0; k < n; k++) {
		statement(g);
		emit(g, "; ");
	}
}

static void heredoc(struct gen *g)
{
	static const char *const delims[] = { "EOF", "E", "END" };
	const char *dl = delims[pick(g, 3)];
	unsigned int style = pick(g, 4), lines = pick(g, 4);
	bool strip = style == 1;

	emit(g, pick(g, 2) ? ": <<" : "true <<");
	if (strip)
		emit(g, "-");
	if (style == 2) {
		emit(g, "'");
		emit(g, dl);
		emit(g, "'");
	} else if (style == 3) {
		emit(g, "\"");
		emit(g, dl);
		emit(g, "\"");
	} else {
		emit(g, dl);
	}
	if (pick(g, 3) == 0) {
		emit(g, "; ");
		assignment(g);
	}
	emit(g, "\n");
	for (unsigned int k = 0; k < lines; k++) {
		if (strip && pick(g, 2))
			emit(g, "\t");
		switch (pick(g, 5)) {
		case 0:
			emit(g, dl);
			emit(g, " "); /* not the end: a trailing blank */
			break;
		case 1:
			emit(g, "x\\"); /* joins the next line when unquoted */
			break;
		case 2:
			emit(g, "$A ${B} it's \"q\"");
			break;
		default:
			assignment(g);
			break;
		}
		emit(g, "\n");
	}
	if (pick(g, 6) != 0) { /* else: up to the end of the file */
		if (strip && pick(g, 2))
			emit(g, "\t\t");
		emit(g, dl);
		emit(g, "\n");
	}
}

static void statement(struct gen *g)
{
	unsigned int what = pick(g, g->depth > 2 ? 6 : 18);

	/* a here-document or a comment only as a whole line of its own */
	if ((what == 14 || what == 15) && g->depth > 0)
		what = 0;
	g->depth++;
	switch (what) {
	case 0:
	case 1:
	case 2:
		assignment(g);
		break;
	case 3:
		emit(g, pick(g, 2) ? "export " : "readonly ");
		assignment(g);
		break;
	case 4:
		assignment(g);
		emit(g, " ");
		assignment(g);
		break;
	case 5:
		assignment(g);
		emit(g, pick(g, 2) ? " :" : pick(g, 2) ? " true" : " \\\n  :");
		break;
	case 6:
		emit(g, "if ");
		emit(g, pick(g, 2) ? "true" : "false");
		emit(g, "; then ");
		body(g);
		if (pick(g, 2)) {
			emit(g, "else ");
			body(g);
		}
		emit(g, "fi");
		break;
	case 7:
		emit(g, "{ ");
		body(g);
		emit(g, "}");
		break;
	case 8:
		emit(g, "( ");
		body(g);
		emit(g, ")");
		break;
	case 9:
		emit(g, pick(g, 2) ? "true && " : "false || ");
		statement(g);
		break;
	case 10:
		statement(g);
		emit(g, pick(g, 2) ? " && true" : " | :");
		break;
	case 11:
		emit(g, "f() { ");
		body(g);
		emit(g, "}");
		if (pick(g, 2))
			emit(g, "; f");
		break;
	case 12:
		emit(g, "unset ");
		emit(g, name(g));
		break;
	case 13:
		emit(g, ": ${");
		emit(g, name(g));
		emit(g, pick(g, 2) ? ":=" : "=");
		emit(g, words[pick(g, 8)]);
		emit(g, "}");
		break;
	case 14:
		emit(g, "# ");
		emit(g, pick(g, 2) ? "it's \"" : "GRUB_CMDLINE_LINUX_DEFAULT=\"#x\"");
		break;
	case 15:
		heredoc(g); /* ends with its own newline */
		break;
	case 16:
		emit(g, ":");
		break;
	default:
		emit(g, "true; ");
		assignment(g);
		break;
	}
	g->depth--;
}

static void write_text(const char *text)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

/* dash's "LINUX\nDEFAULT" after sourcing text, and its exit status. */
static char *dash_reads(const char *text, int *ret_status)
{
	static char *const env[] = { "PATH=/nonexistent", NULL };
	static char *const argv[] = {
		"dash", "-c",
		". ./grub; printf '%s\\n%s' \"$GRUB_CMDLINE_LINUX\" \"$GRUB_CMDLINE_LINUX_DEFAULT\"",
		NULL
	};
	char *out = NULL;
	size_t len = 0, cap = 0;
	int pfd[2], st;
	pid_t pid;

	write_text(text);
	FUZZ_ASSERT(pipe2(pfd, O_CLOEXEC) == 0);
	pid = fork();
	FUZZ_ASSERT(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 2);
		dup2(pfd[1], 1);
		alarm(5);
		if (chdir(dir) == 0)
			execve(DASH, argv, env);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n;

		if (len + 4096 > cap) {
			char *grown;

			cap = len + 8192;
			grown = realloc(out, cap);
			FUZZ_ASSERT(grown);
			out = grown;
		}
		n = read(pfd[0], out + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pfd[0]);
	out[len] = '\0';
	FUZZ_ASSERT(waitpid(pid, &st, 0) == pid);
	FUZZ_ASSERT(!WIFSIGNALED(st)); /* the alarm: a file that never ends */
	*ret_status = WEXITSTATUS(st);
	return out;
}

static void rm_dir(void)
{
	unlink(file);
	rmdir(dir);
	fprintf(stderr,
		"fuzz-grubdash: %lu files, %lu values compared with dash, %lu edits checked\n",
		n_files, n_compared, n_edited);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FUZZ_ASSERT(kparams_parse(PLAN, &wanted) == 0);
	snprintf(dir, sizeof(dir), "%s/qc-fuzz-dash-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	FUZZ_ASSERT(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/grub", dir);
	atexit(rm_dir);
	have_dash = access(DASH, X_OK) == 0;
	if (!have_dash)
		fprintf(stderr, "fuzz-grubdash: no %s: only the reader runs\n", DASH);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gen g = { .d = data, .n = size };
	struct grubdefault_error err;
	struct grubdefault gd = { 0 };
	char *a = NULL, *b = NULL, *mine = NULL, *sh = NULL;
	char **bufs = NULL;
	size_t *lens = NULL;
	unsigned int nst;
	int ra, rb, st;

	static const char *const managed[] = { "isolcpus", "nohz_full", "rcu_nocbs", "irqaffinity",
					       NULL };

	emit(&g, "");
	nst = 1 + pick(&g, 12);
	for (unsigned int k = 0; k < nst; k++) {
		statement(&g);
		if (g.out[g.len - 1] != '\n')
			emit(&g, pick(&g, 4)				? "\n" :
				 g.out[g.len - 1] == '}' || pick(&g, 2) ? ";\n" :
									  " &&\n");
	}
	if (g.len > 3 && strcmp(g.out + g.len - 3, "&&\n") == 0)
		emit(&g, ":\n");

	n_files++;
	if (grubdefault_add_file(&gd, "/etc/default/grub", g.out, g.len, &err) < 0 || !have_dash)
		goto out;
	ra = grubdefault_value(&gd, "GRUB_CMDLINE_LINUX", &a, &err);
	rb = grubdefault_value(&gd, "GRUB_CMDLINE_LINUX_DEFAULT", &b, &err);
	if ((ra == 0 || ra == -ENOENT) && (rb == 0 || rb == -ENOENT)) {
		FUZZ_ASSERT(asprintf(&mine, "%s\n%s", ra == 0 ? a : "", rb == 0 ? b : "") > 0);
		n_compared++;
		sh = dash_reads(g.out, &st);
		if (st != 0 || strcmp(mine, sh) != 0) {
			fprintf(stderr, "file:\n%s\n--\nreader: [%s]\ndash (exit %d): [%s]\n",
				g.out, mine, st, sh);
			FUZZ_ASSERT(!"the reader claims a value dash does not give");
		}
		free(sh);
		sh = NULL;
	}

	if (grubdefault_edit(&gd, &wanted, managed, &bufs, &lens, &err) == 0) {
		const char *edited = bufs[0] ? bufs[0] : g.out;
		struct kparams kp = { 0 };
		char *line, *nl, *diff = NULL;

		n_edited++;
		sh = dash_reads(edited, &st);
		FUZZ_ASSERT(st == 0);
		line = strdup(sh);
		FUZZ_ASSERT(line);
		nl = strchr(line, '\n');
		if (nl)
			*nl = ' ';
		FUZZ_ASSERT(kparams_parse(line, &kp) == 0);
		if (!bootcfg_params_match(&kp, &wanted, managed, &diff)) {
			fprintf(stderr, "file:\n%s\n--\nedited:\n%s\n--\ndash: [%s]: %s\n", g.out,
				edited, line, diff);
			FUZZ_ASSERT(!"after the edit the shell does not see the plan");
		}
		free(diff);
		free(line);
		kparams_free(&kp);
		free(bufs[0]);
	}
	free(bufs);
	free(lens);
out:
	free(a);
	free(b);
	free(mine);
	free(sh);
	free(g.out);
	grubdefault_free(&gd);
	return 0;
}
