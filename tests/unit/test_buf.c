/*
 * test_buf.c - unit tests for src/lib/buf.c: the growable string
 * (struct vm_buf), its growth and its sticky out-of-memory state.
 *
 * Run by "make test".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

static void test_buf_appends(void **state)
{
	struct vm_buf b = VM_BUF_INIT;
	size_t len = 99;
	char *text;

	(void)state;
	assert_true(vm_buf_add(&b, "ab\0c", 4));   /* bytes, NUL and all */
	assert_true(vm_buf_puts(&b, "de"));
	assert_true(vm_buf_printf(&b, "[%d|%s]", 42, "x"));
	assert_true(vm_buf_add(&b, "zzz", 0));
	assert_int_equal(b.len, 12);
	assert_int_equal(b.data[b.len], '\0');
	text = vm_buf_take(&b, &len);
	assert_non_null(text);
	assert_int_equal(len, 12);
	assert_memory_equal(text, "ab\0cde[42|x]", 13);
	free(text);
	/* take leaves an empty buffer, ready for reuse */
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_false(b.nomem);
	assert_true(vm_buf_puts(&b, "again"));
	text = vm_buf_take(&b, NULL);
	assert_string_equal(text, "again");
	free(text);
}

static void test_buf_empty(void **state)
{
	struct vm_buf b = VM_BUF_INIT;
	size_t len = 99;
	char *text;

	(void)state;
	text = vm_buf_take(&b, &len);   /* nothing added: "" */
	assert_non_null(text);
	assert_string_equal(text, "");
	assert_int_equal(len, 0);
	free(text);
	assert_true(vm_buf_printf(&b, "%s", ""));
	text = vm_buf_take(&b, NULL);
	assert_string_equal(text, "");
	free(text);
	vm_buf_free(&b);   /* harmless on an empty buffer, and twice */
	vm_buf_free(&b);
}

static void test_buf_grows(void **state)
{
	struct vm_buf b = VM_BUF_INIT;
	char big[5000];
	char *text;
	size_t len;

	(void)state;
	for (int i = 0; i < 3000; i++)
		assert_true(vm_buf_printf(&b, "%d,", i % 10));
	assert_int_equal(b.len, 6000);
	assert_true(b.cap > b.len);
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_true(vm_buf_printf(&b, "<%s>", big));   /* longer than cap */
	text = vm_buf_take(&b, &len);
	assert_int_equal(len, 6000 + 2 + sizeof big - 1);
	assert_memory_equal(text, "0,1,2,3,", 8);
	assert_memory_equal(text + 5998, "9,<qqq", 6);
	assert_string_equal(text + len - 2, "q>");
	free(text);
}

static void test_buf_truncate(void **state)
{
	struct vm_buf b = VM_BUF_INIT;

	(void)state;
	vm_buf_truncate(&b, 0);   /* empty: nothing to do */
	vm_buf_puts(&b, "hello   ");
	vm_buf_truncate(&b, 5);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.data, "hello");
	vm_buf_truncate(&b, 50);  /* longer than the text: no-op */
	assert_string_equal(b.data, "hello");
	vm_buf_puts(&b, "!");
	assert_string_equal(b.data, "hello!");
	vm_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void test_buf_out_of_memory_is_sticky(void **state)
{
	struct vm_buf b = VM_BUF_INIT;
	size_t len = 7;

	(void)state;
	assert_true(vm_buf_puts(&b, "kept so far"));
	/* A size that cannot be allocated (never read: it fails first). */
	assert_false(vm_buf_add(&b, "x", SIZE_MAX - 2));
	assert_true(b.nomem);
	assert_false(vm_buf_puts(&b, "more"));
	assert_false(vm_buf_printf(&b, "%d", 1));
	assert_false(vm_buf_add(&b, "", 0));
	vm_buf_truncate(&b, 2);   /* ignored after a failure */
	assert_int_equal(b.len, 11);
	errno = 0;
	assert_null(vm_buf_take(&b, &len));
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(len, 7);          /* untouched on failure */
	assert_null(b.data);               /* freed (ASan checks) */
	assert_false(b.nomem);             /* and reset for reuse */
	assert_true(vm_buf_puts(&b, "ok"));
	vm_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_appends),
		cmocka_unit_test(test_buf_empty),
		cmocka_unit_test(test_buf_grows),
		cmocka_unit_test(test_buf_truncate),
		cmocka_unit_test(test_buf_out_of_memory_is_sticky),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
