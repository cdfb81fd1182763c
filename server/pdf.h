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
 * The fonts: Lato (fonts-lato) for Latin, Greek and Cyrillic, and Pango
 * falls back to Noto Sans CJK JP (fonts-noto-cjk) for Japanese, Chinese and
 * Korean. Noto CJK alone would do, but Cairo's CFF subsetter then embeds
 * all of its global subroutines as soon as a page uses certain Latin
 * glyphs (bold K, L or I beside kanji: 0.8 MB instead of 0.1 MB).
 */
#define PDF_FONT_FAMILY	"Lato, Noto Sans CJK JP"

/*
 * Append the programme doc as a PDF to out: a front page naming the
 * conference, the reader (delegation, participant, public or everything)
 * and the time zone, then each day from a new page, each item with its
 * time, title, room and venue, parties and the attendees of the reader's
 * delegation. 0, or -1 with *cause set (caller frees).
 */
int	pdf_programme(const json_t *doc, struct evbuffer *out, char **cause);

#endif
