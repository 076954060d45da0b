/* Inputs are opened safely (src/util/input_file.h): a FIFO, a directory or a device is refused
 * by name without blocking, and a file read whole is bounded, the limit stated in the message. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common.h"
#include "input_file.h"

static void test_non_regular_files_refused(void **st)
{
    (void)st;
    DataError err;
    size_t len;
    alarm(20); /* blocking on the FIFO fails the test instead of hanging it */
    remove("in.fifo");
    assert_int_equal(mkfifo("in.fifo", 0600), 0);
    assert_null(data_read_file("in.fifo", &len, &err));
    assert_string_equal(err.msg, "in.fifo: not a regular file (a FIFO)");
    assert_null(input_fopen("in.fifo", err.msg, sizeof err.msg));
    assert_string_equal(err.msg, "in.fifo: not a regular file (a FIFO)");
    remove("in.fifo");
    assert_null(data_read_file("/dev/zero", &len, &err));
    assert_string_equal(err.msg, "/dev/zero: not a regular file (a character device)");
    assert_int_equal(input_open(".", err.msg, sizeof err.msg), -1);
    assert_string_equal(err.msg, ".: not a regular file (a directory)");
    assert_null(data_read_file("no/such/input.csv", &len, &err));
    assert_string_equal(err.msg, "no/such/input.csv: cannot open: No such file or directory");
    alarm(0);
}

/* A sparse file one byte over DATA_MAX_FILE_BYTES takes no disk and no memory to refuse. */
static void test_size_is_bounded(void **st)
{
    (void)st;
    DataError err;
    size_t len;
    int fd = open("in.big", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)DATA_MAX_FILE_BYTES + 1), 0);
    close(fd);
    assert_null(data_read_file("in.big", &len, &err));
    assert_string_equal(err.msg, "in.big: 1073741825 bytes, more than the 1073741824 (1024 MiB) an input "
                                 "file read whole may have");
    remove("in.big");
}

static void test_small_limits_read_exactly(void **st)
{
    (void)st;
    char msg[1024];
    size_t len;
    FILE *f = fopen("in.txt", "w");
    fputs("0123456789", f);
    fclose(f);
    char *text = input_read("in.txt", 10, "a test input", &len, msg, sizeof msg);
    assert_non_null(text);
    assert_int_equal(len, 10);
    assert_string_equal(text, "0123456789"); /* NUL-terminated */
    free(text);
    assert_null(input_read("in.txt", 9, "a test input", &len, msg, sizeof msg));
    assert_string_equal(msg, "in.txt: 10 bytes, more than the 9 (0 MiB) a test input may have");
    remove("in.txt");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_non_regular_files_refused),
        cmocka_unit_test(test_size_is_bounded),
        cmocka_unit_test(test_small_limits_read_exactly),
    };
    return cmocka_run_group_tests_name("input_file", tests, NULL, NULL);
}
