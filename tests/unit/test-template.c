/* test-template.c - error pages as Go templates (proxy/template.h). */
#include "unit.h"
#include "proxy/template.h"

/* The page rendered with message (NULL: no data), or "ERROR LINE: why". */
static const char *page(const char *text, const char *message)
{
	static struct strbuf out = STRBUF_INIT;
	struct strbuf err = STRBUF_INIT;
	struct page_template *t = template_parse(text, strlen(text), &err);
	strbuf_reset(&out);
	if (!t) {
		strbuf_addf(&out, "ERROR %s", err.buf);
	} else {
		template_render(t, message, &out);
		template_free(t);
	}
	strbuf_release(&err);
	return out.buf;
}

static void message_and_escaping(void)
{
	CHECK_STR(page("<p>{{.Message}}</p>", "back soon"), "<p>back soon</p>");
	CHECK_STR(page("<p>{{ .Message }}</p>", "<b>\"R&D\" + 'ops'</b>"),
		  "<p>&lt;b&gt;&#34;R&amp;D&#34; &#43; &#39;ops&#39;&lt;/b&gt;</p>");
	/* No data (every page but a stop's 503): fields print nothing. */
	CHECK_STR(page("[{{.Message}}][{{.Status}}][{{.}}]", NULL), "[][][]");
	CHECK_STR(page("[{{.Status}}][{{.}}]", "m"), "[][{m}]");
	CHECK_STR(page("<title>{{.Message}}</title>", "a<b"), "<title>a&lt;b</title>");
	CHECK_STR(page("<p title=\"{{.Message}}\" class='{{.Message}}'>", "x\"y"),
		  "<p title=\"x&#34;y\" class='x&#34;y'>");
}

static void conditions(void)
{
	const char *t = "{{ if .Message }}<p>{{ .Message }}</p>{{ else }}<p>Down.</p>{{ end }}";
	CHECK_STR(page(t, "maintenance"), "<p>maintenance</p>");
	CHECK_STR(page(t, ""), "<p>Down.</p>");
	CHECK_STR(page(t, NULL), "<p>Down.</p>");
	t = "{{with .Message}}<em>{{.}}</em>{{else}}none{{end}}";
	CHECK_STR(page(t, "hi"), "<em>hi</em>");
	CHECK_STR(page(t, NULL), "none");
	t = "{{if .Missing}}a{{else if .Message}}b{{else}}c{{end}}!";
	CHECK_STR(page(t, "x"), "b!");
	CHECK_STR(page(t, NULL), "c!");
	CHECK_STR(page("{{if .}}data{{end}}", ""), "data");
	CHECK_STR(page("{{if .}}data{{end}}", NULL), "");
	CHECK_STR(page("{{if .Message}}{{if .Message}}in{{end}}{{end}}", "y"), "in");
}

static void comments_and_trimming(void)
{
	CHECK_STR(page("a {{- /* note }} */ -}}  b", NULL), "ab");
	CHECK_STR(page("a\n  {{- .Message }} \n b", "M"), "aM \n b");
	CHECK_STR(page("a {{.Message -}}\n\t b", "M"), "a Mb");
	CHECK_STR(page("<p>x<!-- hidden {{.Message}} -->y</p>", NULL),
		  "ERROR 1: a value inside an HTML comment is not supported (html/template escapes it otherwise)");
	CHECK_STR(page("<p>x<!-- hidden -->y</p><script>/* <!-- kept --> */</script>", NULL),
		  "<p>xy</p><script>/* <!-- kept --> */</script>");
	CHECK_STR(page("{{-3}}", NULL),
		  "ERROR 1: {{-3}} is not supported (only .Message, ., if, else, with, end)");
}

static void refused(void)
{
	CHECK_STR(page("line\n<script>var m = \"{{.Message}}\";</script>", NULL),
		  "ERROR 2: a value inside <script> or <style> is not supported (html/template escapes it otherwise)");
	CHECK_STR(page("<a href=\"/x?m={{.Message}}\">", NULL),
		  "ERROR 1: a value in a script, style or URL attribute is not supported (html/template escapes it otherwise)");
	CHECK_STR(page("<p class={{.Message}}>", NULL),
		  "ERROR 1: a value inside a tag or an unquoted attribute value is not supported (html/template escapes it otherwise)");
	CHECK_STR(page("{{range .Items}}x{{end}}", NULL),
		  "ERROR 1: {{range .Items}} is not supported (only .Message, ., if, else, with, end)");
	CHECK_STR(page("{{template \"x\"}}", NULL),
		  "ERROR 1: {{template \"x\"}} is not supported (only .Message, ., if, else, with, end)");
	CHECK_STR(page("a\n{{if .Message}}b", NULL), "ERROR 2: {{if}} or {{with}} without {{end}}");
	CHECK_STR(page("{{end}}", NULL), "ERROR 1: {{end}} without {{if}}");
	CHECK_STR(page("{{else}}", NULL), "ERROR 1: {{else}} without {{if}}");
	CHECK_STR(page("{{if .Message}}a{{else}}b{{else}}c{{end}}", NULL),
		  "ERROR 1: {{else}} without {{end}}");
	CHECK_STR(page("{{.Message", NULL), "ERROR 1: unclosed action");
	CHECK_STR(page("{{/* open", NULL), "ERROR 1: unclosed comment");
	/* After the script ends, text is text again. */
	CHECK_STR(page("<script>x</script><p>{{.Message}}</p>", "&"),
		  "<script>x</script><p>&amp;</p>");
}

int main(void)
{
	RUN(message_and_escaping);
	RUN(conditions);
	RUN(comments_and_trimming);
	RUN(refused);
	return unit_done();
}
