/* Genomics data on small synthetic files written to a temp dir: base codes, the GenomicBenchmarks
 * directory layout (label order, sample order, errors naming file and position), GUE CSVs,
 * accuracy, interval files, FASTA fetches with and without .fai, and the rebuild (strands, the
 * per-class reference, nothing written on a bad interval). */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "genomics.h"
#include "genomics_rebuild.h"

static char tmpdir[] = "/tmp/titans-test-genomics-XXXXXX";

/* tmpdir/rel, with parent directories created; one of 64 rotating buffers, so a test can hold
 * a few paths at once. */
static const char *tmp_path(const char *rel)
{
    static char path[64][1024];
    static int k;
    char *p = path[k++ % 64];
    snprintf(p, sizeof path[0], "%s/%s", tmpdir, rel);
    for (char *s = p + strlen(tmpdir) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        mkdir(p, 0777);
        *s = '/';
    }
    return p;
}

static const char *write_text(const char *rel, const char *text)
{
    const char *path = tmp_path(rel);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    return path;
}

static const char *write_gz(const char *rel, const char *text)
{
    const char *path = tmp_path(rel);
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzputs(gz, text), (int)strlen(text));
    assert_int_equal(gzclose(gz), Z_OK);
    return path;
}

static char *read_text(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st)) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char sub[1024];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
        if (d) closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void expect_error(const DataError *err, const char *path, const char *rest)
{
    char want[2048];
    snprintf(want, sizeof want, "%s%s", path ? path : "", rest);
    if (!strstr(err->msg, want)) fail_msg("got '%s', want '%s'", err->msg, want);
}

/* ---- sets ------------------------------------------------------------------------------- */

static void test_base_codes(void **st)
{
    (void)st;
    for (int b = 0; b < 256; b++) {
        const char *p = b ? strchr("ACGTN", b) : NULL, *q = b ? strchr("acgtn", b) : NULL;
        int want = p ? (int)(p - "ACGTN") : q ? (int)(q - "acgtn") : -1;
        assert_int_equal(genomics_base_code(b), want);
    }
}

static void test_dir_labels_order_and_codes(void **st)
{
    (void)st;
    write_text("gb/train/positive/x.txt", "GgTt\r\n");
    write_text("gb/train/negative/b.txt", "ACGT");
    write_text("gb/train/negative/a.txt", "nnAC\n");
    write_text("gb/train/negative/.hidden", "not a sequence");
    write_text("gb/train/enh/10.txt", "C");
    write_text("gb/train/enh/9.txt", "T");
    GenomicsSet s;
    DataError err;
    assert_int_equal(genomics_load_dir(tmp_path("gb"), "train", &s, &err), 0);
    assert_int_equal(s.n_classes, 3);
    assert_string_equal(s.class_names[0], "enh");
    assert_string_equal(s.class_names[1], "negative");
    assert_string_equal(s.class_names[2], "positive");
    assert_int_equal(s.n, 5);
    /* by class, then file name: enh/10 enh/9 negative/a negative/b positive/x */
    const int32_t label[5] = {0, 0, 1, 1, 2};
    const int64_t offset[6] = {0, 1, 2, 6, 10, 14};
    const uint8_t bases[14] = {1, 3, 4, 4, 0, 1, 0, 1, 2, 3, 2, 2, 3, 3};
    assert_memory_equal(s.label, label, sizeof label);
    assert_memory_equal(s.offset, offset, sizeof offset);
    assert_memory_equal(s.bases, bases, sizeof bases);
    assert_int_equal(genomics_length(&s, 2), 4);
    int32_t tok[4];
    genomics_tokens(&s, 4, tok);
    const int32_t want[4] = {2, 2, 3, 3};
    assert_memory_equal(tok, want, sizeof want);
    genomics_free(&s);
}

static void test_dir_errors(void **st)
{
    (void)st;
    GenomicsSet s;
    DataError err;
    const char *bad = write_text("e1/test/pos/s1.txt", "ACGUA");
    assert_int_equal(genomics_load_dir(tmp_path("e1"), "test", &s, &err), -1);
    expect_error(&err, bad, ": invalid base 'U' at position 4 (expected A, C, G, T or N)");
    assert_null(s.bases);
    bad = write_text("e2/test/pos/s1.txt", "AC\tA");
    assert_int_equal(genomics_load_dir(tmp_path("e2"), "test", &s, &err), -1);
    expect_error(&err, bad, ": invalid byte 0x09 at position 3");
    bad = write_text("e3/test/pos/s1.txt", "\n");
    assert_int_equal(genomics_load_dir(tmp_path("e3"), "test", &s, &err), -1);
    expect_error(&err, bad, ": empty sequence");
    bad = write_text("e4/test/pos/s1.fa", "ACGT");
    assert_int_equal(genomics_load_dir(tmp_path("e4"), "test", &s, &err), -1);
    expect_error(&err, bad, ": unexpected entry");
    bad = write_text("e5/test/README", "x");
    assert_int_equal(genomics_load_dir(tmp_path("e5"), "test", &s, &err), -1);
    expect_error(&err, bad, ": not a directory");
    write_text("e6/test/pos/.keep", "");
    assert_int_equal(genomics_load_dir(tmp_path("e6"), "test", &s, &err), -1);
    expect_error(&err, tmp_path("e6/test/pos"), ": class directory holds no .txt files");
    assert_int_equal(genomics_load_dir(tmp_path("e6"), "train", &s, &err), -1);
    expect_error(&err, tmp_path("e6/train"), ": cannot open directory");
}

static void test_csv_sets(void **st)
{
    (void)st;
    const char *path = write_text("gue/ok.csv", "sequence,label\nACGT,2\nacgn,0\r\nTT,0\n");
    GenomicsSet s;
    DataError err;
    assert_int_equal(genomics_load_csv(path, &s, &err), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.n_classes, 3);
    assert_string_equal(s.class_names[2], "2");
    const int32_t label[3] = {2, 0, 0};
    assert_memory_equal(s.label, label, sizeof label);
    assert_int_equal(genomics_length(&s, 1), 4);
    assert_int_equal(s.bases[7], 4);
    genomics_free(&s);

    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"", ": empty file"},
        {"seq,label\nACGT,1\n", ":1: header mismatch: expected 'sequence,label'"},
        {"sequence,label\n", ":1: header but no data rows"},
        {"sequence,label\nACGT,1\nAC", ":3: truncated last line"},
        {"sequence,label\nACGT,1\nAXGT,0\n", ":3: invalid base 'X' at position 2"},
        {"sequence,label\nACGT\n", ":2: wrong field count"},
        {"sequence,label\nACGT,1,2\n", ":2: wrong field count"},
        {"sequence,label\nACGT,-1\n", ":2: label '-1' is not an integer"},
        {"sequence,label\nACGT,\n", ":2: missing label"},
        {"sequence,label\n,1\n", ":2: empty sequence"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        path = write_text("gue/bad.csv", cases[i].text);
        assert_int_equal(genomics_load_csv(path, &s, &err), -1);
        expect_error(&err, path, cases[i].msg);
        assert_null(s.label);
    }
    /* a NUL byte (a binary or zero-filled copy) is named, not taken for the end of a line */
    static const char nul[] = "sequence,label\nAC\0T,1\n";
    path = tmp_path("gue/nul.csv");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(nul, 1, sizeof nul - 1, f), sizeof nul - 1);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(genomics_load_csv(path, &s, &err), -1);
    expect_error(&err, path, ":2: NUL byte at byte 3 of the line");
}

/* genomics_mcc against the covariance definition of the multiclass MCC (Gorodkin 2004: the
 * correlation of the one-hot true and predicted matrices), computed separately in Python. */
static void confusion(const int *y, const int *p, int n, int k, int64_t *counts)
{
    memset(counts, 0, sizeof *counts * (size_t)(k * k));
    for (int i = 0; i < n; i++) counts[y[i] * k + p[i]]++;
}

static void test_mcc(void **st)
{
    (void)st;
    int64_t c[9];
    const int y2[] = {0, 0, 1, 1, 1, 0, 1}, p2[] = {0, 1, 1, 1, 0, 0, 1};
    confusion(y2, p2, 7, 2, c);
    assert_true(fabs(genomics_mcc(c, 2) - 0.41666666666666674) < 1e-12);
    const int y3[] = {0, 1, 2, 2, 1, 0, 2, 1}, p3[] = {0, 2, 2, 1, 1, 0, 2, 0};
    confusion(y3, p3, 8, 3, c);
    assert_true(fabs(genomics_mcc(c, 3) - 0.4523809523809524) < 1e-12);
    const int all1[] = {1, 1, 1}; /* one class only: undefined, 0 as sklearn */
    confusion(all1, all1, 3, 2, c);
    assert_true(genomics_mcc(c, 2) == 0.0);
    const int inv[] = {1, 0, 1, 0}, yi[] = {0, 1, 0, 1}; /* every answer wrong */
    confusion(yi, inv, 4, 2, c);
    assert_true(fabs(genomics_mcc(c, 2) + 1.0) < 1e-12);
}

static void test_accuracy(void **st)
{
    (void)st;
    GenomicsAccuracy a = {0};
    assert_true(isnan(genomics_accuracy(&a)));
    const float tie[3] = {1, 3, 3}, nan3[3] = {NAN, 0, 1}, inf2[2] = {0, INFINITY};
    assert_int_equal(genomics_accuracy_add(&a, tie, 3, 1), 1); /* first max wins */
    assert_int_equal(genomics_accuracy_add(&a, tie, 3, 2), 1);
    assert_int_equal(genomics_accuracy_add(&a, nan3, 3, 0), -1);
    assert_int_equal(genomics_accuracy_add(&a, inf2, 2, 1), -1);
    assert_int_equal(a.correct, 1);
    assert_int_equal(a.total, 4);
    assert_true(genomics_accuracy(&a) == 0.25);
}

/* ---- intervals, FASTA, rebuild ---------------------------------------------------------- */

static void test_interval_files(void **st)
{
    (void)st;
    const char *path = write_gz("iv/a.csv.gz", "id,region,start,end,strand\n"
                                               "x1,chr1,0,5,+\n"
                                               "7,ENST1,3,4,\n"
                                               "x3,chr2,10,20,-\n");
    GenomicsInterval *rows;
    int64_t n;
    DataError err;
    assert_int_equal(genomics_read_intervals(path, &rows, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(rows[1].id, "7");
    assert_string_equal(rows[1].region, "ENST1");
    assert_true(rows[1].start == 3 && rows[1].end == 4 && rows[1].strand == '+');
    assert_true(rows[2].strand == '-');
    genomics_free_intervals(rows, n);

    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"", ": empty file"},
        {"id,chrom,start,end,strand\n", ":1: header mismatch"},
        {"id,region,start,end,strand\nx,chr1,0,5\n", ":2: wrong field count"},
        {"id,region,start,end,strand\nx,chr1,0,5,+,1\n", ":2: wrong field count"},
        {"id,region,start,end,strand\n../x,chr1,0,5,+\n", ":2: id '../x' cannot name a file"},
        {"id,region,start,end,strand\n.x,chr1,0,5,+\n", ":2: id '.x' cannot name a file"},
        {"id,region,start,end,strand\nx,,0,5,+\n", ":2: empty region"},
        {"id,region,start,end,strand\nx,chr1,-1,5,+\n", ":2: start '-1' and end '5' must be"},
        {"id,region,start,end,strand\nx,chr1,5,5,+\n", ":2: empty interval [5, 5)"},
        {"id,region,start,end,strand\nx,chr1,0,5,*\n", ":2: strand '*' is not"},
        {"id,region,start,end,strand\nx,chr1,0,5,+", ":2: truncated last line"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        path = write_text("iv/bad.csv", cases[i].text);
        assert_int_equal(genomics_read_intervals(path, &rows, &n, &err), -1);
        expect_error(&err, path, cases[i].msg);
        assert_null(rows);
    }
    /* a gzip file cut short (a broken download): the rows are whole, the trailer is not */
    path = write_gz("iv/cut.csv.gz", "id,region,start,end,strand\nx,chr1,0,5,+\n");
    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    assert_int_equal(truncate(path, info.st_size - 4), 0);
    assert_int_equal(genomics_read_intervals(path, &rows, &n, &err), -1);
    expect_error(&err, path, ": corrupt gzip data: unexpected end of file");
}

/* Record "1" is ACGTACGTAC GGGGCCCCAA TTTTT (25 bases, 10 a line). */
static const char FASTA[] = ">1 description\n"
                            "ACGTACGTAC\nGGGGCCCCAA\nTTTTT\n"
                            ">ENST0001.3\n"
                            "acgtNNacgt\n"
                            ">chrY\n"
                            "ACGTRYKM\n";
/* Its samtools faidx index (name, length, offset, line bases, line bytes). */
static const char FAI[] = "1\t25\t15\t10\t11\nENST0001.3\t10\t55\t10\t11\nchrY\t8\t72\t8\t9\n";

static void check_fetches(const char *fasta)
{
    GenomicsFasta *fa;
    DataError err;
    char out[32];
    if (genomics_fasta_open(fasta, &fa, &err)) fail_msg("%s", err.msg);
    assert_int_equal(genomics_fasta_length(fa, "chr1", &err), 25);
    assert_int_equal(genomics_fasta_fetch(fa, "chr1", 8, 13, '+', out, &err), 0);
    assert_memory_equal(out, "ACGGG", 5); /* across a line end */
    assert_int_equal(genomics_fasta_fetch(fa, "1", 8, 13, '-', out, &err), 0);
    assert_memory_equal(out, "CCCGT", 5);
    assert_int_equal(genomics_fasta_fetch(fa, "1", 0, 25, '+', out, &err), 0);
    assert_memory_equal(out, "ACGTACGTACGGGGCCCCAATTTTT", 25);
    assert_int_equal(genomics_fasta_fetch(fa, "ENST0001", 3, 8, '+', out, &err), 0);
    assert_memory_equal(out, "tNNac", 5);
    assert_int_equal(genomics_fasta_fetch(fa, "ENST0001", 3, 8, '-', out, &err), 0);
    assert_memory_equal(out, "gtNNa", 5); /* case kept */
    assert_int_equal(genomics_fasta_fetch(fa, "chrY", 0, 8, '-', out, &err), 0);
    assert_memory_equal(out, "KMRYACGT", 8); /* IUPAC complements */
    assert_int_equal(genomics_fasta_fetch(fa, "chr1", 20, 26, '+', out, &err), -1);
    expect_error(&err, fasta, ": coordinates out of range: chr1 [20, 26) but '1' has length 25");
    assert_int_equal(genomics_fasta_fetch(fa, "chr2", 0, 1, '+', out, &err), -1);
    expect_error(&err, fasta, ": no sequence for region 'chr2' (tried 'chr2', '2', "
                              "'chr2.<version>')");
    genomics_fasta_close(fa);
}

static void test_fasta_fetch_with_and_without_fai(void **st)
{
    (void)st;
    check_fetches(write_text("fa/ref.fa", FASTA)); /* index built in memory */
    write_text("fa/ref.fa.fai", FAI);
    check_fetches(tmp_path("fa/ref.fa"));
    /* CRLF lines: 12 bytes a line */
    char crlf[256], *o = crlf;
    for (const char *p = FASTA; *p; p++) {
        if (*p == '\n') *o++ = '\r';
        *o++ = *p;
    }
    *o = '\0';
    check_fetches(write_text("fa/crlf.fa", crlf));
    /* a stale index is caught where it is read */
    write_text("fa/ref.fa.fai",
               "1\t25\t16\t10\t11\nENST0001.3\t10\t55\t10\t11\nchrY\t8\t72\t8\t9\n");
    GenomicsFasta *fa;
    DataError err;
    char out[32];
    assert_int_equal(genomics_fasta_open(tmp_path("fa/ref.fa"), &fa, &err), 0);
    assert_int_equal(genomics_fasta_fetch(fa, "1", 0, 12, '+', out, &err), -1);
    expect_error(&err, tmp_path("fa/ref.fa"), ": the index does not match the file");
    genomics_fasta_close(fa);
}

static void test_fasta_errors(void **st)
{
    (void)st;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"", ": not a FASTA file"},
        {"ACGT\n", ": not a FASTA file"},
        {">a\nACG\nACGT\n", ":3: record 'a': line length differs"},
        {">a\nACGT\nAC\nACGT\n", ":4: record 'a': a shorter line comes before this one"},
        {">a\nACGT\n\nACGT\n", ":4: record 'a': a shorter line comes before this one"},
        {">a\nACGT\r\nACGT\n", ":3: record 'a': line length differs"},
        {"> a\nACGT\n", ":1: header without a name"},
        {">a\nAC\n>a\nAC\n", ": sequence name 'a' appears twice"},
    };
    GenomicsFasta *fa;
    DataError err;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = write_text("fe/bad.fa", cases[i].text);
        assert_int_equal(genomics_fasta_open(path, &fa, &err), -1);
        expect_error(&err, path, cases[i].msg);
        assert_null(fa);
    }
    const char *gz = write_gz("fe/ref.fa.gz", FASTA);
    assert_int_equal(genomics_fasta_open(gz, &fa, &err), -1);
    expect_error(&err, gz, ": gzip-compressed FASTA is not supported; decompress it first");
    write_text("fe/ok.fa", FASTA);
    write_text("fe/ok.fa.fai", "1\t25\t15\t10\n");
    assert_int_equal(genomics_fasta_open(tmp_path("fe/ok.fa"), &fa, &err), -1);
    expect_error(&err, tmp_path("fe/ok.fa.fai"), ":1: not a FASTA index line");
    write_text("fe/ok.fa.fai", "1\t25\t15\t10\t11\n1\t25\t15\t10\t11\n");
    assert_int_equal(genomics_fasta_open(tmp_path("fe/ok.fa"), &fa, &err), -1);
    expect_error(&err, tmp_path("fe/ok.fa"), ": sequence name '1' appears twice");
}

/* Task "rb": classes neg (train as .csv.gz) and pos; the worm-like reference of pos also has a
 * record named "1", which must not be used for neg. */
static void write_task(const char *task)
{
    char rel[256];
    snprintf(rel, sizeof rel, "%s/train/neg.csv.gz", task);
    write_gz(rel, "id,region,start,end,strand\n"
                  "n0,chr1,8,13,+\n"
                  "n1,chr1,8,13,-\n");
    snprintf(rel, sizeof rel, "%s/train/pos.csv", task);
    write_text(rel, "id,region,start,end,strand\n"
                    "p0,1,0,4,\n"
                    "p1,II,2,6,-\n");
    snprintf(rel, sizeof rel, "%s/test/neg.csv", task);
    write_text(rel, "id,region,start,end,strand\n"
                    "7,ENST0001,0,6,-\n");
    snprintf(rel, sizeof rel, "%s/test/pos.csv", task);
    write_text(rel, "id,region,start,end,strand\n"
                    "8,II,0,3,+\n");
}

static void test_rebuild_writes_layout_and_strands(void **st)
{
    (void)st;
    write_task("rb");
    const char *human = write_text("rb-ref/human.fa", FASTA);
    const char *worm = write_text("rb-ref/worm.fa", ">1\nTTTTGG\n>II\nACGGTTCA\n");
    GenomicsRef refs[2] = {{"pos", worm}, {NULL, human}};
    GenomicsRebuildStats stats;
    DataError err;
    const char *out = tmp_path("rb-out/task");
    if (genomics_rebuild(tmp_path("rb"), out, refs, 2, &stats, &err)) fail_msg("%s", err.msg);
    assert_int_equal(stats.written[0], 4);
    assert_int_equal(stats.written[1], 2);
    assert_int_equal(stats.odd, 0);
    static const struct {
        const char *file, *seq;
    } want[] = {
        {"rb-out/task/train/neg/n0.txt", "ACGGG"},
        {"rb-out/task/train/neg/n1.txt", "CCCGT"},
        {"rb-out/task/train/pos/p0.txt", "TTTT"},
        {"rb-out/task/train/pos/p1.txt", "AACC"},
        {"rb-out/task/test/neg/7.txt", "NNacgt"},
        {"rb-out/task/test/pos/8.txt", "ACG"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *got = read_text(tmp_path(want[i].file));
        assert_non_null(got);
        assert_string_equal(got, want[i].seq);
    }
    GenomicsSet s;
    assert_int_equal(genomics_load_dir(out, "train", &s, &err), 0);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.class_names[1], "pos");
    const int32_t label[4] = {0, 0, 1, 1};
    assert_memory_equal(s.label, label, sizeof label);
    genomics_free(&s);
    /* a second run into the same place refuses to mix outputs */
    assert_int_equal(genomics_rebuild(tmp_path("rb"), out, refs, 2, &stats, &err), -1);
    expect_error(&err, tmp_path("rb-out/task/train/neg"), ": not empty");
}

static void test_rebuild_errors_write_nothing(void **st)
{
    (void)st;
    write_task("rbe");
    const char *human = write_text("rbe-ref/human.fa", FASTA);
    const char *out = tmp_path("rbe-out");
    GenomicsRebuildStats stats;
    DataError err;
    /* pos rows name "II", which the human FASTA lacks */
    GenomicsRef one[1] = {{NULL, human}};
    assert_int_equal(genomics_rebuild(tmp_path("rbe"), out, one, 1, &stats, &err), -1);
    expect_error(&err, tmp_path("rbe/train/pos.csv"), ":3 (id p1): ");
    expect_error(&err, human, ": no sequence for region 'II'");
    assert_int_equal(access(out, F_OK), -1);
    /* out of range */
    const char *worm = write_text("rbe-ref/worm.fa", ">1\nTTTTGG\n>II\nACGGT\n");
    GenomicsRef two[2] = {{NULL, human}, {"pos", worm}};
    assert_int_equal(genomics_rebuild(tmp_path("rbe"), out, two, 2, &stats, &err), -1);
    expect_error(&err, tmp_path("rbe/train/pos.csv"), ":3 (id p1): coordinates out of range: "
                                                      "[2, 6) but 'II' has length 5 in ");
    assert_int_equal(access(out, F_OK), -1);
    GenomicsRef only_pos[1] = {{"pos", worm}};
    assert_int_equal(genomics_rebuild(tmp_path("rbe"), out, only_pos, 1, &stats, &err), -1);
    expect_error(&err, NULL, "no FASTA for class 'neg'");
    GenomicsRef typo[2] = {{NULL, human}, {"positive", worm}};
    assert_int_equal(genomics_rebuild(tmp_path("rbe"), out, typo, 2, &stats, &err), -1);
    expect_error(&err, tmp_path("rbe"), ": no class 'positive' in this task");
    write_text("rbe/test/other.csv", "id,region,start,end,strand\n");
    assert_int_equal(genomics_rebuild(tmp_path("rbe"), out, one, 1, &stats, &err), -1);
    expect_error(&err, tmp_path("rbe"), ": train and test hold different classes");
    write_text("rbe/train/neg.csv", "id,region,start,end,strand\n");
    assert_int_equal(genomics_rebuild(tmp_path("rbe"), out, one, 1, &stats, &err), -1);
    expect_error(&err, tmp_path("rbe/train"), ": class 'neg' has both a .csv and a .csv.gz file");
    write_text("rbm/train/neg.csv", "id,region,start,end,strand\n");
    assert_int_equal(genomics_rebuild(tmp_path("rbm"), out, one, 1, &stats, &err), -1);
    expect_error(&err, tmp_path("rbm/test"), ": cannot open directory");
    assert_int_equal(access(out, F_OK), -1);
}

static int setup(void **st)
{
    (void)st;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    remove_tree(tmpdir);
    return access(tmpdir, F_OK) == 0 ? -1 : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_codes),
        cmocka_unit_test(test_dir_labels_order_and_codes),
        cmocka_unit_test(test_dir_errors),
        cmocka_unit_test(test_csv_sets),
        cmocka_unit_test(test_accuracy),
        cmocka_unit_test(test_mcc),
        cmocka_unit_test(test_interval_files),
        cmocka_unit_test(test_fasta_fetch_with_and_without_fai),
        cmocka_unit_test(test_fasta_errors),
        cmocka_unit_test(test_rebuild_writes_layout_and_strands),
        cmocka_unit_test(test_rebuild_errors_write_nothing),
    };
    return cmocka_run_group_tests_name("genomics", tests, setup, teardown);
}
