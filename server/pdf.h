/*
 * pdf.h — lay out a printed programme as an A4 PDF with Cairo and Pango.
 *
 * Pure layout: the input is the programme document kaigi_programme()
 * builds (sql/086_programme.sql: conference, dates, zone, reader, days of
 * items with their times already in the reader's zone), the output is PDF
 * bytes. No database, no clock, no libevent loop: it runs on a worker
 * thread (offload.c). Each call makes its own Pango font map, so calls on
 * different threads share nothing but fontconfig's (thread-safe) cache.
 */
#ifndef KAIGI_PDF_H
#define KAIGI_PDF_H

#include <event2/buffer.h>
#include <jansson.h>

/*
 * The fonts, first that has the glyph: Lato (fonts-lato) for Latin, Greek
 * and Cyrillic; IPAex Gothic (fonts-ipaexfont-gothic) for Japanese; Noto
 * Sans CJK JP (fonts-noto-cjk) for the rest of CJK (Hangul, rarer Han).
 * Noto CJK alone would cover all, but it is CFF-only, and Cairo 1.16's CFF
 * subsetter (Debian 12) loses 768 bytes per PDF that embeds such a font
 * and, beside certain Latin glyphs (bold K, L, I), embeds all of Noto's
 * subroutines (0.8 MB instead of 0.1 MB). Lato and IPAex are TrueType.
 */
#define PDF_FONT_FAMILY	"Lato, IPAexGothic, Noto Sans CJK JP"

/*
 * Append the programme doc as a PDF to out: a front page naming the
 * conference, the reader (delegation, participant, public or everything)
 * and the time zone, then each day from a new page, each item with its
 * time, title, room and venue, parties and the attendees of the reader's
 * delegation. 0, or -1 with *cause set (caller frees).
 */
int	pdf_programme(const json_t *doc, struct evbuffer *out, char **cause);

#endif
