/* SIGINT, SIGTERM and SIGHUP remove the OUTFILE a run is writing, then end
 * the program by that signal. */
#ifndef LZ4FRAMED_PROGRAMS_SIGNALS_H
#define LZ4FRAMED_PROGRAMS_SIGNALS_H

#include "platform.h"

void install_signal_handlers(void);
/* The OUTFILE this run created and must not leave behind half-written when
 * interrupted; NULL when there is none (stdout, done, or --state keeps it). */
void remove_on_signal(const char *path);

#endif
