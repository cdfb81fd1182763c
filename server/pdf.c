/*
 * pdf.c — the printed programme: an A4 PDF laid out with Cairo and Pango.
 *
 * Input is the JSON of kaigi_programme() (sql/086_programme.sql); every
 * time in it is already wall-clock text in the reader's zone, so nothing
 * here knows about zones or clocks. Output goes through Cairo's PDF
 * surface's write callback into an evbuffer.
 *
 * Pages: a front page (conference, dates, place, whose programme it is,
 * the zone every time is in, and a list of the days), then each day from a
 * new page: its date as a heading, then one block per item, in time order.
 * A block is the time and kind in a narrow left column and, beside them,
 * the title, "room, venue", the parties and the attendees of the reader's
 * delegation. A block never breaks across pages (its height is measured
 * first; titles and lists are cut with an ellipsis after a few lines, so a
 * block always fits on an empty page). Each page has a footer with the
 * conference, the reader, the zone and the page number.
 *
 * Text is set with pango_layout_set_text (never markup: titles come from
 * users) in Lato, with IPAex Gothic and Noto Sans CJK for Japanese and
 * the rest of CJK (PDF_FONT_FAMILY in pdf.h says why); Cairo
 * embeds subsets with ToUnicode maps, so the text can be searched and
 * extracted (pdftotext) as it was written.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <event2/buffer.h>
#include <jansson.h>
#include <pango/pangocairo.h>

#include "pdf.h"
#include "util.h"

/* A4 in points, and the margins. */
#define PDF_WIDTH	595.276
#define PDF_HEIGHT	841.890
#define PDF_MARGIN	56.0
#define PDF_BOTTOM	(PDF_HEIGHT - PDF_MARGIN - 24.0)	/* above the footer */
#define PDF_TEXT_WIDTH	(PDF_WIDTH - 2 * PDF_MARGIN)
/* The item block: time column, gap, text column. */
#define PDF_TIME_WIDTH	92.0
#define PDF_TEXT_X	(PDF_MARGIN + PDF_TIME_WIDTH + 8.0)
#define PDF_ITEM_WIDTH	(PDF_WIDTH - PDF_MARGIN - PDF_TEXT_X)
#define PDF_ITEM_GAP	9.0

/* A text style: size in points, bold or not, grey level, line cap. */
struct pdf_style {
	double	size;
	int	bold;
	double	grey;		/* 0 black .. 1 white */
	int	max_lines;	/* 0: no limit */
};

static const struct pdf_style PDF_HUGE = { 24, 1, 0.08, 0 };
static const struct pdf_style PDF_BIG = { 17, 1, 0.08, 0 };
static const struct pdf_style PDF_HEAD = { 14, 1, 0.12, 2 };
static const struct pdf_style PDF_LEAD = { 12, 0, 0.15, 0 };
static const struct pdf_style PDF_TITLE = { 10.5, 1, 0.05, 3 };
static const struct pdf_style PDF_BODY = { 9.5, 0, 0.15, 4 };
static const struct pdf_style PDF_SMALL = { 8, 0, 0.38, 2 };

/* One document being drawn. */
struct pdf {
	cairo_surface_t		*surface;
	cairo_t			*cr;
	PangoFontMap		*fonts;
	PangoContext		*ctx;
	PangoLayout		*layout;
	const json_t		*doc;
	char			*footer;	/* conference — reader */
	double			 y;		/* next line's top */
	int			 page;		/* pages begun */
};

/*
 * For LeakSanitizer (make asan) only: Debian 12's fontconfig (2.14.1)
 * loses 288 bytes once per process while it parses its configuration
 * files (FcInitLoadConfigAndFonts, on the thread Pango starts to load
 * it). fontconfig has no frame pointers, so the leak's stack names only
 * the library: blocks allocated inside libfontconfig are not reported.
 * Nothing here calls fontconfig directly. Unused in other builds.
 */
const char	*__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

/* A string member, "" when absent. */
static const char *
pdf_str(const json_t *o, const char *name)
{
	const char	*s = json_string_value(json_object_get(o, name));

	return s != NULL ? s : "";
}

/* Cairo's write callback: append to the evbuffer. */
static cairo_status_t
pdf_write(void *closure, const unsigned char *data, unsigned int len)
{
	return evbuffer_add(closure, data, len) == 0 ? CAIRO_STATUS_SUCCESS :
	    CAIRO_STATUS_WRITE_ERROR;
}

/* Set a layout up for text in a style, width wide. */
static void
pdf_layout(PangoLayout *l, const struct pdf_style *st, double width,
    const char *text)
{
	PangoFontDescription	*fd = pango_font_description_new();

	pango_font_description_set_family(fd, PDF_FONT_FAMILY);
	pango_font_description_set_absolute_size(fd, st->size * PANGO_SCALE);
	pango_font_description_set_weight(fd, st->bold ? PANGO_WEIGHT_BOLD :
	    PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_height(l, st->max_lines > 0 ? -st->max_lines : -1000);
	pango_layout_set_ellipsize(l, st->max_lines > 0 ?
	    PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
	pango_layout_set_text(l, text, -1);
}

/* The height of a laid-out text in points. */
static double
pdf_height(PangoLayout *l)
{
	int	h;

	pango_layout_get_size(l, NULL, &h);
	return (double)h / PANGO_SCALE;
}

/* The height text takes in a style and width. */
static double
pdf_measure(struct pdf *p, const struct pdf_style *st, double width,
    const char *text)
{
	if (*text == '\0')
		return 0;
	pdf_layout(p->layout, st, width, text);
	return pdf_height(p->layout);
}

/* Draw text at (x, y); returns its height. */
static double
pdf_text(struct pdf *p, const struct pdf_style *st, double x, double y,
    double width, const char *text)
{
	double	h = pdf_measure(p, st, width, text);

	if (h == 0)
		return 0;
	cairo_set_source_rgb(p->cr, st->grey, st->grey, st->grey);
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, p->layout);
	return h;
}

/* Draw text in the full text width at the current line; move down. */
static void
pdf_line(struct pdf *p, const struct pdf_style *st, const char *text,
    double after)
{
	p->y += pdf_text(p, st, PDF_MARGIN, p->y, PDF_TEXT_WIDTH, text) + after;
}

/* A thin horizontal rule across the text width at y. */
static void
pdf_rule(struct pdf *p, double y, double grey, double width)
{
	cairo_set_source_rgb(p->cr, grey, grey, grey);
	cairo_set_line_width(p->cr, width);
	cairo_move_to(p->cr, PDF_MARGIN, y);
	cairo_line_to(p->cr, PDF_WIDTH - PDF_MARGIN, y);
	cairo_stroke(p->cr);
}

/* The footer of the current page. */
static void
pdf_footer(struct pdf *p)
{
	char	*left, num[32];
	double	 y = PDF_HEIGHT - PDF_MARGIN;

	pdf_rule(p, y - 6, 0.7, 0.5);
	left = xasprintf("%s · times in %s", p->footer,
	    pdf_str(p->doc, "timezone"));
	pdf_text(p, &PDF_SMALL, PDF_MARGIN, y, PDF_TEXT_WIDTH - 60, left);
	snprintf(num, sizeof num, "Page %d", p->page);
	pdf_measure(p, &PDF_SMALL, 60, num);
	pango_layout_set_alignment(p->layout, PANGO_ALIGN_RIGHT);
	cairo_move_to(p->cr, PDF_WIDTH - PDF_MARGIN - 60, y);
	pango_cairo_show_layout(p->cr, p->layout);
	pango_layout_set_alignment(p->layout, PANGO_ALIGN_LEFT);
	free(left);
}

/* End the current page (if any) and begin a new one. */
static void
pdf_new_page(struct pdf *p)
{
	if (p->page > 0)
		cairo_show_page(p->cr);
	p->page++;
	pdf_footer(p);
	p->y = PDF_MARGIN;
}

/* Who the programme is for, in words (front page and footer); caller frees. */
static char *
pdf_reader_label(const json_t *doc)
{
	const json_t	*rd = json_object_get(doc, "reader");
	const char	*kind = pdf_str(rd, "kind");

	if (strcmp(kind, "delegation") == 0)
		return xasprintf("%s (%s)", pdf_str(rd, "delegation_name"),
		    pdf_str(rd, "delegation"));
	if (strcmp(kind, "participant") == 0)
		return xasprintf("%s, %s (%s)", pdf_str(rd, "participant"),
		    pdf_str(rd, "delegation_name"), pdf_str(rd, "delegation"));
	if (strcmp(kind, "all") == 0)
		return xstrdup("Full programme");
	return xstrdup("Public programme");
}

/* The front page's words for what kind of pack this is. */
static const char *
pdf_reader_intro(const json_t *doc)
{
	const char	*kind = pdf_str(json_object_get(doc, "reader"), "kind");

	if (strcmp(kind, "delegation") == 0)
		return "Welcome pack of the delegation of";
	if (strcmp(kind, "participant") == 0)
		return "Personal programme of";
	if (strcmp(kind, "all") == 0)
		return "Every session, for the secretariat:";
	return "Open to everyone:";
}

/* The front page's list of days with their number of items. */
static void
pdf_front_days(struct pdf *p)
{
	const json_t	*days = json_object_get(p->doc, "days"), *d;
	size_t		 i, n;
	char		*line;

	pdf_line(p, &PDF_HEAD, "Days", 6);
	if (json_array_size(days) == 0)
		pdf_line(p, &PDF_LEAD, "No sessions to show.", 4);
	json_array_foreach(days, i, d) {
		n = json_array_size(json_object_get(d, "items"));
		line = xasprintf("%s — %zu %s", pdf_str(d, "label"), n,
		    n == 1 ? "item" : "items");
		pdf_line(p, &PDF_LEAD, line, 4);
		free(line);
	}
}

/* The front page's head: the conference, its dates and place. */
static void
pdf_front_title(struct pdf *p)
{
	char	*place = xasprintf("%s%s%s", pdf_str(p->doc, "dates"),
	    *pdf_str(p->doc, "location") != '\0' ? " · " : "",
	    pdf_str(p->doc, "location"));

	p->y += 40;
	pdf_line(p, &PDF_SMALL, "PROGRAMME", 8);
	pdf_line(p, &PDF_HUGE, pdf_str(p->doc, "conference"), 10);
	pdf_line(p, &PDF_LEAD, place, 28);
	pdf_rule(p, p->y, 0.6, 0.8);
	p->y += 20;
	free(place);
}

/* The front page: whose programme, in which zone, which days. */
static void
pdf_front(struct pdf *p)
{
	char	*who = pdf_reader_label(p->doc), *zone, *printed;

	pdf_new_page(p);
	pdf_front_title(p);
	pdf_line(p, &PDF_LEAD, pdf_reader_intro(p->doc), 6);
	pdf_line(p, &PDF_BIG, who, 22);
	zone = xasprintf("All times are in %s (%s).",
	    pdf_str(p->doc, "timezone"), pdf_str(p->doc, "utc_offset"));
	pdf_line(p, &PDF_LEAD, zone, 30);
	pdf_front_days(p);
	p->y += 24;
	printed = xasprintf("Printed %s (%s). Cancelled sessions are left "
	    "out; check the live programme for changes.",
	    pdf_str(p->doc, "printed_at"), pdf_str(p->doc, "timezone"));
	pdf_line(p, &PDF_SMALL, printed, 0);
	free(printed);
	free(zone);
	free(who);
}

/* The day's heading at the top of a page. */
static void
pdf_day_heading(struct pdf *p, const json_t *day, int continued)
{
	char	*text = xasprintf("%s%s", pdf_str(day, "label"),
	    continued ? " (continued)" : "");

	pdf_line(p, &PDF_BIG, text, 6);
	pdf_rule(p, p->y, 0.2, 1.2);
	p->y += 12;
	free(text);
}

/* Join the strings of an array with ", " (objects: "name (role)", then
 * " represented by X" or " (remote)" when so). */
static char *
pdf_join(const json_t *list)
{
	const json_t	*v;
	size_t		 i;
	char		*out = xstrdup(""), *next;

	json_array_foreach(list, i, v) {
		if (json_is_object(v))
			next = xasprintf("%s%s%s (%s)%s%s%s", out, i ? ", " : "",
			    pdf_str(v, "name"), pdf_str(v, "role"),
			    *pdf_str(v, "represented_by") ? " represented by " : "",
			    pdf_str(v, "represented_by"),
			    strcmp(pdf_str(v, "mode"), "remote") == 0 ? " (remote)" : "");
		else
			next = xasprintf("%s%s%s", out, i ? ", " : "",
			    json_string_value(v) ? json_string_value(v) : "");
		free(out);
		out = next;
	}
	return out;
}

/* The lines of an item's text column under its title. */
struct pdf_item_text {
	char	*where;		/* room, venue */
	char	*parties;	/* "Delegations: CA, JP" or "" */
	char	*who;		/* "Attending (JP): ..." or "" */
};

/* Build an item's secondary lines. */
static void
pdf_item_text(const json_t *doc, const json_t *item, struct pdf_item_text *t)
{
	const json_t	*rd = json_object_get(doc, "reader");
	const json_t	*att = json_object_get(item, "attendees");
	char		*list;

	if (*pdf_str(item, "room") != '\0')
		t->where = xasprintf("%s%s%s", pdf_str(item, "room"),
		    *pdf_str(item, "venue") ? ", " : "", pdf_str(item, "venue"));
	else
		t->where = xstrdup("Room to be announced");
	list = pdf_join(json_object_get(item, "delegations"));
	t->parties = *list ? xasprintf("Delegations: %s", list) : xstrdup("");
	free(list);
	list = pdf_join(att);
	t->who = json_array_size(att) > 0 ? xasprintf("Attending (%s): %s",
	    pdf_str(rd, "delegation"), list) : xstrdup("");
	free(list);
}

/* Free an item's secondary lines. */
static void
pdf_item_text_free(struct pdf_item_text *t)
{
	free(t->where);
	free(t->parties);
	free(t->who);
}

/* "Plenary · tentative · restricted" for the time column; caller frees. */
static char *
pdf_item_kind(const json_t *item)
{
	const char	*kind = pdf_str(item, "kind");
	char		 first[64];

	snprintf(first, sizeof first, "%s", kind);
	if (first[0] >= 'a' && first[0] <= 'z')
		first[0] = (char)(first[0] - 'a' + 'A');
	for (char *c = first; *c != '\0'; c++)
		if (*c == '_')
			*c = ' ';
	return xasprintf("%s%s%s", first,
	    strcmp(pdf_str(item, "status"), "tentative") == 0 ? "\ntentative" : "",
	    strcmp(pdf_str(item, "visibility"), "restricted") == 0 ?
	    "\nrestricted" : strcmp(pdf_str(item, "visibility"),
	    "confidential") == 0 ? "\nconfidential" : "");
}

/*
 * A block: texts laid out once, at offsets from its top, measured before
 * it is placed and drawn where it lands.
 */
#define PDF_BLOCK_MAX	8
struct pdf_block {
	PangoLayout		*layout[PDF_BLOCK_MAX];
	const struct pdf_style	*style[PDF_BLOCK_MAX];
	double			 x[PDF_BLOCK_MAX];
	double			 y[PDF_BLOCK_MAX];
	int			 n;
	double			 height;
};

/* Add text to a block in a column at x whose next free line is *col. */
static void
pdf_block_add(struct pdf *p, struct pdf_block *b, const struct pdf_style *st,
    double x, double width, double *col, const char *text)
{
	PangoLayout	*l;

	if (*text == '\0' || b->n == PDF_BLOCK_MAX)
		return;
	l = pango_layout_new(p->ctx);
	pdf_layout(l, st, width, text);
	b->layout[b->n] = l;
	b->style[b->n] = st;
	b->x[b->n] = x;
	b->y[b->n] = *col;
	b->n++;
	*col += pdf_height(l) + 2;
	if (*col - 2 > b->height)
		b->height = *col - 2;
}

/* Draw a block with its top at y, and free its texts. */
static void
pdf_block_draw(struct pdf *p, struct pdf_block *b, double y)
{
	int	i;

	for (i = 0; i < b->n; i++) {
		cairo_set_source_rgb(p->cr, b->style[i]->grey, b->style[i]->grey,
		    b->style[i]->grey);
		cairo_move_to(p->cr, b->x[i], y + b->y[i]);
		pango_cairo_show_layout(p->cr, b->layout[i]);
		g_object_unref(b->layout[i]);
	}
	b->n = 0;
}

/* Lay an item out: time and kind on the left; title, place, who beside. */
static void
pdf_item_block(struct pdf *p, const json_t *item, struct pdf_block *b)
{
	struct pdf_item_text	 t;
	char			*when, *kind;
	double			 left = 0, right = 0;

	memset(b, 0, sizeof *b);
	when = xasprintf("%s–%s", pdf_str(item, "start"), pdf_str(item, "end"));
	kind = pdf_item_kind(item);
	pdf_block_add(p, b, &PDF_TITLE, PDF_MARGIN, PDF_TIME_WIDTH, &left, when);
	pdf_block_add(p, b, &PDF_SMALL, PDF_MARGIN, PDF_TIME_WIDTH, &left, kind);
	pdf_item_text(p->doc, item, &t);
	pdf_block_add(p, b, &PDF_TITLE, PDF_TEXT_X, PDF_ITEM_WIDTH, &right,
	    pdf_str(item, "title"));
	pdf_block_add(p, b, &PDF_BODY, PDF_TEXT_X, PDF_ITEM_WIDTH, &right,
	    t.where);
	pdf_block_add(p, b, &PDF_BODY, PDF_TEXT_X, PDF_ITEM_WIDTH, &right,
	    t.parties);
	pdf_block_add(p, b, &PDF_BODY, PDF_TEXT_X, PDF_ITEM_WIDTH, &right,
	    t.who);
	pdf_block_add(p, b, &PDF_BODY, PDF_TEXT_X, PDF_ITEM_WIDTH, &right,
	    pdf_str(item, "interpretation"));	/* sql/310 */
	pdf_item_text_free(&t);
	free(when);
	free(kind);
}

/* One item of a day: a new page first when it does not fit. */
static void
pdf_item(struct pdf *p, const json_t *day, const json_t *item)
{
	struct pdf_block	b;

	pdf_item_block(p, item, &b);
	if (p->y + b.height > PDF_BOTTOM) {
		pdf_new_page(p);
		pdf_day_heading(p, day, 1);
	}
	pdf_block_draw(p, &b, p->y);
	p->y += b.height + PDF_ITEM_GAP;
	pdf_rule(p, p->y - PDF_ITEM_GAP / 2, 0.82, 0.4);
	p->y += 3;
}

/* A day: from a new page, its heading, then its items. */
static void
pdf_day(struct pdf *p, const json_t *day)
{
	const json_t	*item;
	size_t		 i;

	pdf_new_page(p);
	pdf_day_heading(p, day, 0);
	json_array_foreach(json_object_get(day, "items"), i, item)
		pdf_item(p, day, item);
}

/* Make the surface, the Cairo context and Pango's objects. */
static void
pdf_open(struct pdf *p, const json_t *doc, struct evbuffer *out)
{
	cairo_font_options_t	*fo = cairo_font_options_create();
	char			*who = pdf_reader_label(doc);

	memset(p, 0, sizeof *p);
	p->doc = doc;
	p->footer = xasprintf("%s — %s", pdf_str(doc, "conference"), who);
	free(who);
	p->surface = cairo_pdf_surface_create_for_stream(pdf_write, out,
	    PDF_WIDTH, PDF_HEIGHT);
	cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_TITLE,
	    p->footer);
	cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR,
	    "kaigid");
	p->cr = cairo_create(p->surface);
	p->fonts = pango_cairo_font_map_new();
	p->ctx = pango_font_map_create_context(p->fonts);
	pango_cairo_context_set_resolution(p->ctx, 72);
	/* Metrics unhinted: the layout is the same at any zoom. */
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(p->ctx, fo);
	cairo_font_options_destroy(fo);
	pango_cairo_update_context(p->cr, p->ctx);
	p->layout = pango_layout_new(p->ctx);
}

/* Finish the document; -1 with *cause if Cairo failed. */
static int
pdf_close(struct pdf *p, char **cause)
{
	cairo_status_t	st;

	g_object_unref(p->layout);
	g_object_unref(p->ctx);
	g_object_unref(p->fonts);
	cairo_destroy(p->cr);
	cairo_surface_finish(p->surface);
	st = cairo_surface_status(p->surface);
	cairo_surface_destroy(p->surface);
	free(p->footer);
	if (st != CAIRO_STATUS_SUCCESS) {
		*cause = xasprintf("cairo: %s", cairo_status_to_string(st));
		return -1;
	}
	return 0;
}

/* Lay out the whole programme into out. */
int
pdf_programme(const json_t *doc, struct evbuffer *out, char **cause)
{
	struct pdf	 p;
	const json_t	*day;
	size_t		 i;

	if (!json_is_object(doc) || !json_is_array(json_object_get(doc, "days"))) {
		*cause = xstrdup("the programme is not a document with days");
		return -1;
	}
	pdf_open(&p, doc, out);
	pdf_front(&p);
	json_array_foreach(json_object_get(doc, "days"), i, day)
		pdf_day(&p, day);
	return pdf_close(&p, cause);
}
