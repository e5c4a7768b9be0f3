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
	/* a call without a receiver whose arguments do not parse (found by fuzz-erb) */
	CHECK(starts_with(render("x\n<%= URI(ENV[ 'a' %>"), "ERROR: config/deploy.yml:2: unsupported ERB code `URI(ENV[ 'a'`"));
	CHECK(starts_with(render("<%= require %>"), "ERROR: config/deploy.yml:1: unsupported ERB code `require`"));
	CHECK(starts_with(render("<% puts 'x' %>"), "ERROR: config/deploy.yml:1: unsupported ERB code `puts 'x'`: method 'puts' is not supported"));
	CHECK(starts_with(render("<%= ENV['A'] =~ /x/ %>"), "ERROR: config/deploy.yml:1: unsupported ERB code"));
	CHECK_STR(render("<%= Foo.bar %>"), "ERROR: config/deploy.yml:1: uninitialized constant Foo (in `Foo.bar`)");
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

/* Renders src with its working directory (relative paths, commands) in dir. */
static const char *render_in(const char *dir, const char *src)
{
	struct erb_options opts = { "config/deploy.yml", dir };
	strbuf_reset(&out);
	strbuf_reset(&err);
	if (erb_render(src, strlen(src), &opts, &out, &err) < 0) {
		strbuf_reset(&out);
		strbuf_addf(&out, "ERROR: %s", err.buf);
	}
	return out.buf;
}

static char project[] = "/tmp/berth-test-erb-XXXXXX";

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", project, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void dotenv_needs_require(void)
{
	CHECK(mkdtemp(project) != NULL);
	/* Kamal has not loaded the gem while the config renders */
	CHECK_STR(render_in(project, "<% Dotenv.load %>"),
		  "ERROR: config/deploy.yml:1: uninitialized constant Dotenv (in `Dotenv.load`)");
	CHECK_STR(render_in(project, "<%= require 'dotenv' %> <%= require('dotenv') %> <%= require \"json\" %>"),
		  "true false false");
	CHECK_STR(render_in(project, "x\n<% require 'aws-sdk-ssm' %>"),
		  "ERROR: config/deploy.yml:2: require 'aws-sdk-ssm' is not supported (in `require 'aws-sdk-ssm'`)");
	CHECK_STR(render_in(project, "<%= Dotenv.frob %>"),
		  "ERROR: config/deploy.yml:1: Dotenv.frob is not supported (in `Dotenv.frob`)");
}

static void dotenv_files(void)
{
	unsetenv("BERTH_T_DA");
	unsetenv("BERTH_T_DB");
	setenv("BERTH_T_DKEEP", "env", 1);
	write_file(".env", "BERTH_T_DA=a\nBERTH_T_DKEEP=file\nBERTH_T_DB=\"$BERTH_T_DKEEP-$(echo b)\"\n");
	CHECK_STR(render_in(project, "<%= Dotenv.load.keys.join(',') %> <%= ENV['BERTH_T_DA'] %> <%= ENV['BERTH_T_DB'] %>"),
		  "BERTH_T_DA,BERTH_T_DB a env-b");
	CHECK_STR(render_in(project, "<%= Dotenv.parse('.env')['BERTH_T_DKEEP'] %>"), "env");
	CHECK_STR(render_in(project, "<%= Dotenv.overload('.env', 'nope').inspect %> <%= ENV['BERTH_T_DKEEP'] %>"),
		  "{\"BERTH_T_DKEEP\"=>\"file\", \"BERTH_T_DB\"=>\"file-b\"} file");
	CHECK(starts_with(render_in(project, "<% Dotenv.load!('nope') %>"),
			  "ERROR: config/deploy.yml:1: No such file or directory @ rb_sysopen - /tmp/berth-test-erb-"));
	CHECK_STR(render_in(project, "<%= Dotenv.load(nil) %>"),
		  "ERROR: config/deploy.yml:1: no implicit conversion of nil into String (Dotenv file) (in `Dotenv.load(nil)`)");
	/* the file's own errors name it, and the template's line */
	write_file(".env.bad", "A=1\nexport NOPE\n");
	CHECK_STR(render_in(project, "\n<% Dotenv.load('.env.bad') %>"),
		  "ERROR: config/deploy.yml:2: .env.bad:2: NOPE: Line \"export NOPE\\n\" has an unset variable (in `Dotenv.load('.env.bad')`)");
	/* $(cmd) is Ruby's `cmd`: a program that cannot start is an error */
	write_file(".env.cmd", "X=$(berth-no-such-command-x)\n");
	CHECK_STR(render_in(project, "<% Dotenv.parse('.env.cmd') %>"),
		  "ERROR: config/deploy.yml:1: .env.cmd:1: X: No such file or directory - berth-no-such-command-x (in `Dotenv.parse('.env.cmd')`)");
	unsetenv("BERTH_T_DA");
	unsetenv("BERTH_T_DB");
	unsetenv("BERTH_T_DKEEP");
}

static void file_and_dir(void)
{
	setenv("HOME", "/home/berth-t", 1);
	CHECK_STR(render_in(project, "<%= File.expand_path('a/../b', '/srv') %>|<%= File.expand_path('//a') %>|<%= File.expand_path('/..') %>|<%= File.expand_path('~/x/') %>|<%= File.expand_path('..', '/') %>"),
		  "/srv/b|//a|/|/home/berth-t/x|/");
	CHECK_STR(render_in(project, "<%= File.expand_path('x', '~') %>|<%= File.expand_path('//a/../b') %>"),
		  "/home/berth-t/x|/b");
	CHECK_STR(render_in(project, "<%= File.join('a//', 'b') %>|<%= File.join('a', '//b') %>|<%= File.join %>|<%= File.join('', 'x', '') %>|<%= File.join(['a', ['b']], 'c') %>"),
		  "a//b|a//b||/x/|a/b/c");
	CHECK_STR(render_in(project, "<%= File.basename('a/b/') %>|<%= File.basename('/') %>|<%= File.basename('a.tar.gz', '.*') %>|<%= File.basename('x.yml', 'x.yml') %>|<%= File.dirname('///a/b') %>|<%= File.dirname('a') %>|<%= File.extname('x.') %>|<%= File.extname('.bashrc') %>"),
		  "b|/|a.tar|x.yml|/a|.|.|");
	write_file("present", "");
	CHECK_STR(render_in(project, "<%= File.exist?('present') %> <%= File.exists?('absent') %> <%= File.file?('present') %> <%= File.directory?('.') %> <%= Dir.exist?('present') %>"),
		  "true false true true false");
	CHECK_STR(render_in(project, "<%= Dir.pwd == File.expand_path('.') %> <%= Dir.pwd.start_with?('/tmp/') %> <%= __dir__ %> <%= __FILE__ %>"),
		  "true true . (erb)");
	CHECK_STR(render("<%= File.exist?(nil) %>"),
		  "ERROR: config/deploy.yml:1: no implicit conversion of nil into String (path) (in `File.exist?(nil)`)");
	CHECK_STR(render("<%= File.mtime('x') %>"),
		  "ERROR: config/deploy.yml:1: File.mtime is not supported (in `File.mtime('x')`)");
}

static void uris(void)
{
	CHECK_STR(render("<%= URI.parse('postgres://u:p@db:5433/app').host %> <%= URI('postgres://u:p@db:5433/app').port %> <%= URI.parse('https://h').port %> <%= URI.parse('redis://h').port.inspect %>"),
		  "db 5433 443 nil");
	CHECK_STR(render("<%= URI.parse('http://u@h:80/p?a b#f').to_s %>|<%= URI.parse('//h/p').host %>|<%= URI.parse('x:y:z').opaque %>|<%= URI.parse('http:/x').host.inspect %>"),
		  "http://u@h/p?a%20b#f|h|y:z|nil");
	CHECK_STR(render("<%= URI.parse('http://[fe80::1]:8080').hostname %> <%= URI.parse('https://u:@h').password.inspect %> <%= URI.parse('https://h').userinfo.inspect %>"),
		  "fe80::1 \"\" nil");
	CHECK_STR(render("<%= URI.parse('http://h/%zz') %>"),
		  "ERROR: config/deploy.yml:1: bad URI(is not URI?): \"http://h/%zz\" (in `URI.parse('http://h/%zz')`)");
	CHECK_STR(render("<%= URI.parse('1.2.3.4:22') %>"),
		  "ERROR: config/deploy.yml:1: bad URI(is not URI?): \"1.2.3.4:22\" (in `URI.parse('1.2.3.4:22')`)");
	CHECK_STR(render("<%= URI.parse('http://h/\xc3\xa4') %>"),
		  "ERROR: config/deploy.yml:1: URI must be ascii only \"http://h/\\u00E4\" (in `URI.parse('http://h/\xc3\xa4')`)");
	CHECK_STR(render("<%= URI.parse('http://h?%zz') %>"),
		  "ERROR: config/deploy.yml:1: invalid percent escape: %zz (in `URI.parse('http://h?%zz')`)");
	CHECK_STR(render("<%= URI.parse('ftp://h/x').host %>"),
		  "ERROR: config/deploy.yml:1: URI for the ftp scheme is not supported (in `URI.parse('ftp://h/x').host`)");
	CHECK_STR(render("<%= URI.parse('https://h').request_uri %>"),
		  "ERROR: config/deploy.yml:1: undefined method 'request_uri' for URI::HTTPS (in `URI.parse('https://h').request_uri`)");
}

static void env_assignments(void)
{
	setenv("BERTH_T_SET", "kept", 1);
	unsetenv("BERTH_T_NEW");
	CHECK_STR(render("<% ENV['BERTH_T_SET'] ||= 'no' %><% ENV['BERTH_T_NEW'] ||= 'yes' %><%= ENV['BERTH_T_SET'] %> <%= ENV['BERTH_T_NEW'] %>"),
		  "kept yes");
	CHECK_STR(render("<% ENV['BERTH_T_NEW'] = nil %><%= ENV.key?('BERTH_T_NEW') %>"), "false");
	CHECK_STR(render("<% ENV['BERTH_T_NEW'] = 3 %>"),
		  "ERROR: config/deploy.yml:1: no implicit conversion of Integer into String (in `ENV['BERTH_T_NEW'] = 3`)");
	CHECK_STR(render("<% ENV['A=B'] = 'x' %>"),
		  "ERROR: config/deploy.yml:1: Invalid argument - setenv(A=B) (in `ENV['A=B'] = 'x'`)");
	CHECK_STR(render("<% a ||= 1; a ||= 2; b = nil; b ||= 'x' %><%= a %><%= b %>"), "1x");
	CHECK_STR(render("<% c = 1 if false %><%= c.inspect %>|<%= 'y' unless true %>|<%= 'z' if true %>"),
		  "nil||z");
	CHECK_STR(render("<% d = 'kept' %><% d = 'no' if false %><%= d %>"), "kept");
	unsetenv("BERTH_T_SET");
}

static void hashes(void)
{
	write_file(".env.h", "K1=v1\nK2=v2\n");
	CHECK_STR(render_in(project, "<% h = Dotenv.parse('.env.h') %><%= h.fetch('K1') %> <%= h.fetch('NO', 'd') %> <%= h.dig('K2') %> <%= h.to_a.last.first %> <%= h.select { |k, v| v == 'v2' }.keys.first %> <%= h.reject { |k, v| v == 'v2' } %>"),
		  "v1 d v2 K2 K2 {\"K1\"=>\"v1\"}");
	CHECK_STR(render_in(project, "<% Dotenv.parse('.env.h').each do |k, v| %><%= k %>=<%= v %>;<% end %>"),
		  "K1=v1;K2=v2;");
	CHECK_STR(render_in(project, "<%= Dotenv.parse('.env.h').fetch('NO') %>"),
		  "ERROR: config/deploy.yml:1: key not found: \"NO\" (in `Dotenv.parse('.env.h').fetch('NO')`)");
}

static void operators(void)
{
	CHECK_STR(render("<%= 4611686018427387904 * 2 %>"),
		  "ERROR: config/deploy.yml:1: integer too large (in `4611686018427387904 * 2`)");
	CHECK_STR(render("<%= 1 / 0 %>"), "ERROR: config/deploy.yml:1: divided by 0 (in `1 / 0`)");
	CHECK_STR(render("<%= 'a' * -1 %>"), "ERROR: config/deploy.yml:1: negative argument (in `'a' * -1`)");
	CHECK_STR(render("<%= 1 > 'a' %>"),
		  "ERROR: config/deploy.yml:1: comparison of Integer with String failed (in `1 > 'a'`)");
	CHECK_STR(render("<%= 1 + 'a' %>"),
		  "ERROR: config/deploy.yml:1: String can't be coerced into Integer (in `1 + 'a'`)");
	CHECK_STR(render("<%= 7 / -2 %> <%= 2 - 3 * 4 / 2 %> <%= 'b' >= 'b' %>"), "-4 -4 true");
	CHECK_STR(render("<%= [1, 'a'] * 2 %>"), "[1, \"a\", 1, \"a\"]");
	CHECK_STR(render("<%= [1] / 2 %>"),
		  "ERROR: config/deploy.yml:1: undefined method '/' for Array (in `[1] / 2`)");
}

static void keyword_arguments(void)
{
	CHECK_STR(render("<%= File.read('x', mode: 'r') %>"),
		  "ERROR: config/deploy.yml:1: keyword arguments to File.read are not supported (in `File.read('x', mode: 'r')`)");
	CHECK_STR(render("<%= 'a'.split(',', limit: 2) %>"),
		  "ERROR: config/deploy.yml:1: keyword arguments to split are not supported (in `'a'.split(',', limit: 2)`)");
	CHECK_STR(render("<%= [a: 1] %>"), "ERROR: config/deploy.yml:1: a: is not supported here (in `[a: 1]`)");
	CHECK_STR(render_in(project, "<%= Dotenv.overload('.env.h', ignore: true) %>"),
		  "ERROR: config/deploy.yml:1: keyword arguments to Dotenv.overload are not supported (in `Dotenv.overload('.env.h', ignore: true)`)");
	CHECK(starts_with(render_in(project, "<%= Dotenv.parse('nope', ignore: false) %>"),
			  "ERROR: config/deploy.yml:1: No such file or directory @ rb_sysopen - "));
	CHECK_STR(render_in(project, "<%= Dotenv.parse('.env.h', overwrite: false).size %>"), "2");
	CHECK_STR(render("<%= raise 'no host' %>"), "ERROR: config/deploy.yml:1: no host (in `raise 'no host'`)");
}

static void cleanup_project(void)
{
	static const char *const files[] = { ".env", ".env.bad", ".env.cmd", ".env.h", "present" };
	char path[256];
	size_t i;
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", project, files[i]);
		remove(path);
	}
	CHECK(!rmdir(project));
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
	RUN(dotenv_needs_require);
	RUN(dotenv_files);
	RUN(file_and_dir);
	RUN(uris);
	RUN(env_assignments);
	RUN(hashes);
	RUN(operators);
	RUN(keyword_arguments);
	RUN(cleanup_project);
	strbuf_release(&out);
	strbuf_release(&err);
	return unit_done();
}
