#include "platform.h"

#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "signals.h"

static const char *volatile cleanup_path;

void remove_on_signal(const char *path)
{
    cleanup_path = path;
}

static void on_signal(int sig)
{
    if (cleanup_path) unlink(cleanup_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

void install_signal_handlers(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}
