/* test-erb.c - the ERB forms real Kamal configs use, and their errors. */
#include "unit.h"
#include "config/erb.h"
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

/* Renders src; returns the output, or "ERROR: <message>". */
static const char *render(const char *src)
{
	struct erb_options opts = { "config/deploy.yml", NULL };
	strbuf_reset(&out);
	strbuf_reset(&err);
	if (erb_render(src, strlen(src), &opts, &out, &err) < 0) {
		strbuf_reset(&out);
		strbuf_addf(&out, "ERROR: %s", err.buf);
	}
	return out.buf;
}

static void text_passes_through(void)
{
	CHECK_STR(render("service: app\nimage: x\n"), "service: app\nimage: x\n");
	CHECK_STR(render(""), "");
	CHECK_STR(render("a <%% b %> c"), "a <% b %> c");
	CHECK_STR(render("100%> done"), "100%> done");
}

static void env_lookups(void)
{
	setenv("BERTH_T_HOST", "1.2.3.4", 1);
	unsetenv("BERTH_T_UNSET");
	CHECK_STR(render("h: <%= ENV[\"BERTH_T_HOST\"] %>\n"), "h: 1.2.3.4\n");
	CHECK_STR(render("h: <%= ENV['BERTH_T_HOST'] %>"), "h: 1.2.3.4");
	CHECK_STR(render("h: <%= ENV['BERTH_T_UNSET'] %>."), "h: .");
	CHECK_STR(render("<%= ENV.fetch(\"BERTH_T_HOST\") %>"), "1.2.3.4");
	CHECK_STR(render("<%= ENV.fetch(\"BERTH_T_UNSET\", \"TODO\") %>"), "TODO");
	CHECK_STR(render("<%= ENV.fetch('BERTH_T_UNSET') { 'blk' } %>"), "blk");
	CHECK_STR(render("<%= ENV.fetch('BERTH_T_UNSET', nil) %>|"), "|");
	CHECK_STR(render("<%= ENV['BERTH_T_UNSET'] || 'CONFIGURE' %>"), "CONFIGURE");
	CHECK_STR(render("<%= ENV['BERTH_T_HOST'] || 'CONFIGURE' %>"), "1.2.3.4");
	CHECK_STR(render("<%= ENV[\"BERTH_T_UNSET\"] || ENV[\"BERTH_T_UNSET\"] || \"#{1}-x\" %>"), "1-x");
	CHECK_STR(render("<%= ENV.key?('BERTH_T_HOST') %>"), "true");
}

static void fetch_of_unset_names_the_key_and_line(void)
{
	unsetenv("BERTH_T_UNSET");
	CHECK_STR(render("a: 1\nb: <%= ENV.fetch(\"BERTH_T_UNSET\") %>\n"),
		  "ERROR: config/deploy.yml:2: key not found: \"BERTH_T_UNSET\" (in `ENV.fetch(\"BERTH_T_UNSET\")`)");
}

static void strings_and_methods(void)
{
	setenv("BERTH_T_LIST", " a,b , c ", 1);
	CHECK_STR(render("<%= \"x#{'y'}z\" %>"), "xyz");
	CHECK_STR(render("<%= 'a\\'b' %>"), "a'b");
	CHECK_STR(render("<%= \"t\\tn\" %>"), "t\tn");
	CHECK_STR(render("<%= ENV['BERTH_T_LIST'].strip %>"), "a,b , c");
	CHECK_STR(render("<%= ENV['BERTH_T_LIST'].split(',').map { |s| s.strip }.join('|') %>"), "a|b|c");
	CHECK_STR(render("<%= ENV['BERTH_T_LIST'].split(',').map(&:strip).first %>"), "a");
	CHECK_STR(render("<%= 'AbC'.downcase %><%= 'AbC'.upcase %>"), "abcABC");
	CHECK_STR(render("<%= '42abc'.to_i + 1 %>"), "43");
	CHECK_STR(render("<%= \"line\\n\".chomp %>|"), "line|");
	CHECK_STR(render("<%= 3.to_s %>"), "3");
	CHECK_STR(render("<%= %w[a b c].last %>"), "c");
	CHECK_STR(render("<%= %w[a b] %>"), "[\"a\", \"b\"]");
	CHECK_STR(render("<%= nil.to_s %>|<%= nil %>|<%= true %>"), "||true");
	CHECK_STR(render("<%= 'a-b'.gsub('-', '_') %>"), "a_b");
	CHECK_STR(render("<%= ENV['BERTH_T_UNSET']&.strip %>|"), "|");
	CHECK_STR(render("<%= ''.present? %> <%= ' '.blank? %> <%= nil.nil? %> <%= ''.empty? %>"),
		  "false true true true");
	CHECK_STR(render("<%= [1, 2] == [1, 2] ? 'y' : 'n' %>"), "y");
	CHECK_STR(render("<%= %w[a b][1] %>"), "b");
}

static void shell_outs(void)
{
	CHECK_STR(render("v: <%= `echo abc`.strip %>"), "v: abc");
	CHECK_STR(render("v: <%= %x(printf 'x y') %>"), "v: x y");
	CHECK_STR(render("v: <%= %x{echo #{'in'}ter}.chomp %>"), "v: inter");
	/* Like Ruby: a failing command is no error, its stdout is the value. */
	CHECK_STR(render("v: <%= `echo part; exit 3`.strip %>"), "v: part");
	/*
	 * Ruby execs a command without shell metacharacters itself: one it
	 * cannot start raises Errno::ENOENT naming the program...
	 */
	CHECK(starts_with(render("<%= `berth-no-such-command-x` %>"),
			  "ERROR: config/deploy.yml:1: No such file or directory - berth-no-such-command-x"));
	CHECK(starts_with(render("x\n<%= %x(./registry_password.sh  --flag) %>"),
			  "ERROR: config/deploy.yml:2: No such file or directory - ./registry_password.sh"));
	/* ...but through /bin/sh a missing command is only a 127 exit */
	CHECK_STR(render("<%= `berth-no-such-command-x 2>/dev/null` %>|"), "|");
	CHECK_STR(render("<%= `berth-no-such-command-x 2>/dev/null; echo after` %>"), "after\n");
	/* shell words and assignments go to /bin/sh too */
	CHECK_STR(render("<%= `exit 3` %>|"), "|");
	CHECK_STR(render("<%= `X=1 printenv X` %>"), "1\n");
	/* a program that runs and exits 127 is no error either */
	{
		int saved = dup(2), devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2);
		CHECK_STR(render("<%= `env berth-no-such-command-x` %>|"), "|");
		dup2(saved, 2);
		close(saved);
		close(devnull);
	}
	erb_disable_shell(1);
	CHECK(starts_with(render("<%= `echo hi` %>"),
			  "ERROR: config/deploy.yml:1: shell commands are disabled"));
	erb_disable_shell(0);
}

static void trim_mode_dash(void)
{
	CHECK_STR(render("a\n<% x = 1 -%>\nb\n"), "a\nb\n");
	CHECK_STR(render("a\n<% x = 1 %>\nb\n"), "a\n\nb\n");
	CHECK_STR(render("a\n   <%- x = 1 -%>\nb\n"), "a\nb\n");
	CHECK_STR(render("a  <%- x = 1 %>b"), "a  b");
	CHECK_STR(render("<%# a comment\n spanning lines -%>\nz"), "z");
	CHECK_STR(render("<%# c %>\nz"), "\nz");
	CHECK_STR(render("<%= 1 -%>\n<%= 2 %>\n"), "12\n");
}

static void assignments_and_conditionals(void)
{
	setenv("BERTH_T_ENV", "production", 1);
	CHECK_STR(render("<% n = 3 -%>\nslots: '<%= n %>'\n"), "slots: '3'\n");
	CHECK_STR(render("<% if ENV['BERTH_T_ENV'] == 'production' %>p<% elsif true %>e<% else %>x<% end %>"), "p");
	CHECK_STR(render("<% if ENV['BERTH_T_ENV'] != 'production' %>p<% elsif ENV['BERTH_T_UNSET'].nil? %>e<% else %>x<% end %>"), "e");
	CHECK_STR(render("<% if !ENV['BERTH_T_ENV'] || false %>p<% else %>x<% end %>"), "x");
	CHECK_STR(render("<% unless ENV['BERTH_T_UNSET'].present? && true %>u<% end %>"), "u");
	CHECK_STR(render("<% if false %><%= ENV.fetch('BERTH_T_UNSET') %><% end %>ok"), "ok");
	CHECK_STR(render("<% a = 1; b = 'x' %><%= b %><%= a %>"), "x1");
	CHECK_STR(render("<%\n  x = 'a'\n  y = x + 'b'\n%><%= y %>"), "ab");
}

static void loops(void)
{
	CHECK_STR(render("<% %w[a b].each do |x| -%>\n- <%= x %>\n<% end -%>\n"), "- a\n- b\n");
	CHECK_STR(render("<% %w[a b].each_with_index do |x, i| %><%= i %>=<%= x %> <% end %>"), "0=a 1=b ");
	CHECK_STR(render("<% ips = 'h1,h2'.split(',') %>hosts:\n<%= ips.map { |ip| \"  - #{ip}\" }.join(\"\\n\") %>\n"),
		  "hosts:\n  - h1\n  - h2\n");
	/* block variables do not leak */
	CHECK(starts_with(render("<% [1].each do |z| %><% end %><%= z %>"),
			  "ERROR: config/deploy.yml:1: undefined local variable or method 'z'"));
}

static void unsupported_is_an_error_with_location(void)
{
	CHECK_STR(render("a\nb: <%= YAML.load_file('x') %>\n"),
		  "ERROR: config/deploy.yml:2: YAML.load_file is not supported (in `YAML.load_file('x')`)");
	CHECK(starts_with(render("x\n<% begin; require 'dotenv'; end %>"),
			  "ERROR: config/deploy.yml:2: "));
	CHECK(starts_with(render("<%= 1 +* 2 %>"),
			  "ERROR: config/deploy.yml:1: unsupported ERB code `1 +* 2`"));
	CHECK_STR(render("a\n<%= x"), "ERROR: config/deploy.yml:2: unterminated ERB tag");
	CHECK_STR(render("<% if true %>\nx\n"), "ERROR: config/deploy.yml:1: 'if' without a matching 'end'");
	CHECK_STR(render("\n<% end %>"), "ERROR: config/deploy.yml:2: unexpected 'end'");
	CHECK(starts_with(render("<%= 'a'.frobnicate %>"),
			  "ERROR: config/deploy.yml:1: undefined method 'frobnicate' for String"));
	CHECK(starts_with(render("<%= 'a' + 1 %>"), "ERROR: config/deploy.yml:1: no implicit conversion"));
}

static void yaml_comment_lines_tolerate_the_unsupported(void)
{
	unsetenv("RBENV_VERSION");
	CHECK_STR(render("  #   RUBY_VERSION: <%= ENV[\"RBENV_VERSION\"] || \"#{RUBY_ENGINE}-#{RUBY_ENGINE_VERSION}\" %>\nx: 1\n"),
		  "  #   RUBY_VERSION: \nx: 1\n");
	/* but not real errors, which Ruby raises too */
	CHECK(starts_with(render("# <%= ENV.fetch('BERTH_T_UNSET') %>"), "ERROR: "));
}

static void file_read(void)
{
	FILE *f = fopen("berth-test-erb-rv", "w");
	fputs("3.3.5\n", f);
	fclose(f);
	CHECK_STR(render("<%= File.read('berth-test-erb-rv').strip %>"), "3.3.5");
	CHECK_STR(render("<%= File.exist?('berth-test-erb-rv') %>"), "true");
	remove("berth-test-erb-rv");
	CHECK(starts_with(render("<%= File.read('berth-test-erb-rv') %>"),
			  "ERROR: config/deploy.yml:1: No such file or directory"));
}

int main(void)
{
	RUN(text_passes_through);
	RUN(env_lookups);
	RUN(fetch_of_unset_names_the_key_and_line);
	RUN(strings_and_methods);
	RUN(shell_outs);
	RUN(trim_mode_dash);
	RUN(assignments_and_conditionals);
	RUN(loops);
	RUN(unsupported_is_an_error_with_location);
	RUN(yaml_comment_lines_tolerate_the_unsupported);
	RUN(file_read);
	strbuf_release(&out);
	strbuf_release(&err);
	return unit_done();
}
