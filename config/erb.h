/*
 * erb.h - renders the subset of ERB that real Kamal configs use.
 *
 * Kamal renders config/deploy*.yml through Ruby's ERB before parsing, with
 * ERB.new(template, trim_mode: "-"). (The .kamal/secrets* files are not
 * ERB: they are dotenv, see secrets/dotenv.h.) berth supports the forms
 * found in real configs and reports anything else as an error naming file,
 * line and expression - never a silent empty string.
 *
 * Tags, with trim mode "-" as Ruby has it:
 *   text            copied; "<%%" is a literal "<%"
 *   <%= expr %>     the value's to_s
 *   <% stmt %>      statements, several separated by ";" or newlines
 *   <%# comment %>  nothing
 *   -%>             also drops the newline right after the tag
 *   <%-             at a line's start also drops the indentation before it
 *
 * Statements: NAME = expr, NAME ||= expr, ENV[k] = expr (nil deletes),
 * ENV[k] ||= expr; if/unless/elsif/else/end; expr.each do |x| ... end and
 * expr.each_with_index do |x, i| ... end; a bare expression; any of the
 * simple ones (and an output tag's expression) followed by "if cond" or
 * "unless cond".
 *
 * Expressions: "..." (with #{...}), '...', integers, nil/true/false,
 * [a, b], %w[a b], `cmd` and %x(cmd) (with #{...}), local variables,
 * __dir__ ("." as under ERB#result) and __FILE__, !, &&, ||, ==, !=,
 * < <= > >= (integers, strings), + - * / (integers; strings +, *;
 * arrays +, -), c ? a : b, x[i], &., raise "why", and
 *   ENV["X"], ENV.fetch("X"), ENV.fetch("X", "d"), ENV.fetch("X") { "d" },
 *     ENV.key?/has_key?/include?/member?("X");
 *   File.read exist? exists? file? directory? expand_path join basename
 *     dirname extname, Dir.pwd, Dir.exist?;
 *   URI.parse(s) and URI(s), with scheme host hostname port path query
 *     fragment user password userinfo opaque (Ruby 3.1's uri: HTTP,
 *     HTTPS, WS and Generic);
 *   require: "dotenv" and "dotenv/load" (which loads .env), and the
 *     libraries Kamal has already loaded (json, yaml, uri...: false);
 *   after require "dotenv": Dotenv.load, load!, overload, overload!,
 *     parse (files as the gem reads them; see erb-dotenv.c; load and
 *     parse take overwrite: and ignore:), whose
 *     hashes answer [] fetch key? keys values size empty? map each;
 *   the methods strip chomp to_s to_i downcase upcase split lines first
 *     last join map select reject compact uniq size length present? blank?
 *     presence nil? empty? include? start_with? end_with? sub gsub (string
 *     patterns) with blocks { |x| expr } or (&:name).
 *
 * ENV is the process environment: what a template sets there (ENV[k] =,
 * Dotenv.load) is seen by the files read after it, as under Kamal.
 * require "dotenv" lasts for the process too.
 *
 * ENV.fetch of an unset variable fails like Ruby's KeyError:
 *   config/deploy.yml:3: key not found: "X" (in `ENV.fetch("X")`)
 * An unsupported form inside a YAML comment line ("  # x: <%= ... %>")
 * renders as nothing: Ruby would evaluate it, but the result is a comment.
 *
 * Shell-outs (`cmd`, %x(cmd)) run in workdir via run-command, stdin and
 * stderr inherited; their stdout is the value. As Ruby does, a command with
 * shell syntax in it runs through /bin/sh -c, any other is split on blanks
 * and run directly. Any exit status just yields stdout (as in Ruby); only
 * a directly-run program that cannot be started is an error:
 *   No such file or directory - PROGRAM
 */
#ifndef BERTH_ERB_H
#define BERTH_ERB_H

#include "strbuf.h"

struct erb_options {
	const char *filename; /* for messages: "config/deploy.yml" */
	const char *workdir;  /* where shell-outs run and relative paths start;
			       * NULL: the current directory */
};

/*
 * Renders src (len bytes) into out. On error returns -1 and sets err to
 * "FILE:LINE: message" (out is then unspecified). Never prints.
 */
int erb_render(const char *src, size_t len, const struct erb_options *opts,
	       struct strbuf *out, struct strbuf *err);

/*
 * With disable set, shell-outs fail with an error instead of running, for
 * the whole process (the fuzz harness sets it; struct erb_options stays as
 * callers initialise it).
 */
void erb_disable_shell(int disable);

#endif
