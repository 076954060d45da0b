#include "unitstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "clock.h"
#include "outfile.h"

#define UNITSTATE_MAGIC 0x54494e554e415454ull /* "TTANUNIT" */

typedef struct {
    uint64_t magic;
    int64_t unit;
    uint64_t identity;
    int64_t position;
    uint64_t state_bytes;
} Header; /* then the state, then the xxh3 of everything before it */

static void file_name(char *buf, size_t len, int64_t unit) { snprintf(buf, len, "unit-%lld.state", (long long)unit); }

int unitstate_maybe_save(UnitSaver *sv, const TitansState *st, int64_t position, DataError *err)
{
    int stop = sv->stop && *sv->stop;
    if (!sv->dir || (!stop && clock_seconds() - sv->last < sv->interval)) return 0;
    sv->stopped = stop;
    void *buf = NULL;
    size_t len = 0;
    TitansError terr;
    if (titans_state_save(st, &buf, &len, &terr) != 0) return data_error(err, "unit %lld: saving its state: %s", (long long)sv->unit, terr.msg), -1;
    Header h = {UNITSTATE_MAGIC, sv->unit, sv->identity, position, len};
    XXH3_state_t *x = XXH3_createState();
    XXH3_64bits_reset(x);
    XXH3_64bits_update(x, &h, sizeof h);
    XXH3_64bits_update(x, buf, len);
    uint64_t check = XXH3_64bits_digest(x);
    XXH3_freeState(x);
    char name[64];
    OutFile o;
    file_name(name, sizeof name, sv->unit);
    int rc = outfile_open(&o, sv->dir, name, err);
    if (rc == 0) {
        fwrite(&h, sizeof h, 1, o.f);
        fwrite(buf, 1, len, o.f);
        fwrite(&check, sizeof check, 1, o.f);
        rc = outfile_commit(&o, err);
    }
    free(buf);
    sv->last = clock_seconds();
    return rc;
}

int64_t unitstate_restore(const UnitSaver *sv, TitansState *st)
{
    char name[64], path[OUTFILE_PATH];
    size_t n;
    DataError ignored;
    if (!sv->dir) return 0;
    file_name(name, sizeof name, sv->unit);
    snprintf(path, sizeof path, "%s/%s", sv->dir, name);
    if (access(path, F_OK) != 0) return 0;
    char *bytes = data_read_file(path, &n, &ignored);
    Header h;
    uint64_t check;
    int64_t position = 0;
    TitansError terr;
    if (bytes && n >= sizeof h + sizeof check) {
        memcpy(&h, bytes, sizeof h);
        memcpy(&check, bytes + n - sizeof check, sizeof check);
        if (h.magic == UNITSTATE_MAGIC && h.unit == sv->unit && h.identity == sv->identity && h.position > 0 &&
            h.state_bytes == n - sizeof h - sizeof check && check == XXH3_64bits(bytes, n - sizeof check) &&
            titans_state_restore(st, bytes + sizeof h, h.state_bytes, &terr) == 0)
            position = h.position;
    }
    free(bytes);
    return position;
}

void unitstate_remove(const char *dir, int64_t unit)
{
    char name[64], path[OUTFILE_PATH];
    if (!dir) return;
    file_name(name, sizeof name, unit);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}
