/* noob_core._wire: the Python face of the NOOB value format (docs/wire-format.md).
 *
 * Why C and not cffi: a serializer that crosses into the library once per value pays
 * a cffi call (110-390 ns) per value and cannot reach pickle's speed. This module walks
 * Python objects with the CPython API in one call per blob and writes or reads the
 * documented format directly. The Rust codec and this module are held to the same
 * bytes by the golden files and by cross-checks in the tests.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_DEPTH 256
#define HEADER_LEN 5
static const unsigned char MAGIC[4] = {0x89, 'N', 'O', 'B'};
static const unsigned char VERSION = 1;

enum { TAG_NULL = 0, TAG_FALSE, TAG_TRUE, TAG_INT, TAG_FLOAT, TAG_STR, TAG_BYTES, TAG_LIST, TAG_DICT };

static PyObject *DecodeError; /* noob_core.exceptions.DecodeError, or ValueError */

/* ------------------------------------------------------------------ encoding */

typedef struct {
    PyObject *out; /* a bytes object used as the growable buffer */
    char *data;
    Py_ssize_t len, cap;
    PyObject *path; /* segments of the value that failed, innermost first (or NULL) */
} Encoder;

static int grow(Encoder *e, Py_ssize_t extra) {
    Py_ssize_t need = e->len + extra;
    if (need <= e->cap) return 0;
    Py_ssize_t cap = e->cap * 2;
    if (cap < need) cap = need + need / 2;
    if (_PyBytes_Resize(&e->out, cap) < 0) return -1;
    e->data = PyBytes_AS_STRING(e->out);
    e->cap = cap;
    return 0;
}

static inline void put_u32(char *p, uint32_t v) {
    p[0] = (char)(v & 0xFF); p[1] = (char)((v >> 8) & 0xFF);
    p[2] = (char)((v >> 16) & 0xFF); p[3] = (char)(v >> 24);
}

static inline void put_u64(char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (char)((v >> (8 * i)) & 0xFF);
}

static int too_long(Py_ssize_t n, const char *what) {
    if ((uint64_t)n > 0xFFFFFFFFu) {
        PyErr_Format(PyExc_OverflowError, "%s of %zd is longer than the format's 4294967295 limit", what, n);
        return 1;
    }
    return 0;
}

static int put_blob(Encoder *e, int tag, const char *bytes, Py_ssize_t n, const char *what) {
    if (too_long(n, what)) return -1;
    if (grow(e, 5 + n) < 0) return -1;
    char *p = e->data + e->len;
    if (tag >= 0) *p++ = (char)tag, e->len++;
    put_u32(p, (uint32_t)n);
    memcpy(p + 4, bytes, (size_t)n);
    e->len += 4 + n;
    return 0;
}

static int note_path(Encoder *e, PyObject *segment) {
    /* Remember where the failure was, innermost first; keep the original error. */
    if (segment == NULL) return -1;
    if (e->path == NULL && (e->path = PyList_New(0)) == NULL) { Py_DECREF(segment); return -1; }
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyList_Append(e->path, segment);
    Py_DECREF(segment);
    PyErr_Restore(type, value, tb);
    return -1;
}

static int encode(Encoder *e, PyObject *obj, int depth);

static int encode_str(Encoder *e, int tag, PyObject *obj) {
    Py_ssize_t n;
    const char *utf8 = PyUnicode_AsUTF8AndSize(obj, &n);
    if (utf8 == NULL) {
        if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
            PyErr_Clear();
            PyErr_SetString(PyExc_ValueError, "str is not valid Unicode (it holds a lone surrogate)");
        }
        return -1;
    }
    return put_blob(e, tag, utf8, n, "str");
}

static int encode_container_header(Encoder *e, int tag, Py_ssize_t count, int depth, const char *what) {
    if (depth >= MAX_DEPTH) {
        PyErr_Format(PyExc_ValueError, "%s nests deeper than %d levels", what, MAX_DEPTH);
        return -1;
    }
    if (too_long(count, what)) return -1;
    if (grow(e, 5) < 0) return -1;
    e->data[e->len] = (char)tag;
    put_u32(e->data + e->len + 1, (uint32_t)count);
    e->len += 5;
    return 0;
}

static int encode(Encoder *e, PyObject *obj, int depth) {
    if (obj == Py_None || obj == Py_False || obj == Py_True) {
        if (grow(e, 1) < 0) return -1;
        e->data[e->len++] = (char)(obj == Py_None ? TAG_NULL : obj == Py_True ? TAG_TRUE : TAG_FALSE);
        return 0;
    }
    PyTypeObject *type = Py_TYPE(obj);
    if (type == &PyUnicode_Type) return encode_str(e, TAG_STR, obj);
    if (type == &PyLong_Type || (PyLong_Check(obj) && !PyBool_Check(obj))) {
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
        if (overflow) {
            PyErr_SetString(PyExc_OverflowError, "int does not fit in 64 bits");
            return -1;
        }
        if (v == -1 && PyErr_Occurred()) return -1;
        if (grow(e, 9) < 0) return -1;
        e->data[e->len] = TAG_INT;
        put_u64(e->data + e->len + 1, (uint64_t)v);
        e->len += 9;
        return 0;
    }
    if (type == &PyFloat_Type || PyFloat_Check(obj)) {
        double d = PyFloat_AS_DOUBLE(obj);
        uint64_t bits;
        memcpy(&bits, &d, 8);
        if (grow(e, 9) < 0) return -1;
        e->data[e->len] = TAG_FLOAT;
        put_u64(e->data + e->len + 1, bits);
        e->len += 9;
        return 0;
    }
    if (type == &PyDict_Type || PyDict_Check(obj)) {
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        if (encode_container_header(e, TAG_DICT, PyDict_GET_SIZE(obj), depth, "dict") < 0) return -1;
        while (PyDict_Next(obj, &pos, &key, &value)) {
            if (!PyUnicode_Check(key)) {
                PyErr_Format(PyExc_TypeError, "dict key of type %.100s is not a str", Py_TYPE(key)->tp_name);
                return -1;
            }
            if (encode_str(e, -1, key) < 0) return note_path(e, Py_NewRef(key));
            if (encode(e, value, depth + 1) < 0) return note_path(e, Py_NewRef(key));
        }
        return 0;
    }
    if (type == &PyList_Type || type == &PyTuple_Type || PyList_Check(obj) || PyTuple_Check(obj)) {
        int is_list = PyList_Check(obj);
        Py_ssize_t n = is_list ? PyList_GET_SIZE(obj) : PyTuple_GET_SIZE(obj);
        if (encode_container_header(e, TAG_LIST, n, depth, is_list ? "list" : "tuple") < 0) return -1;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *item = is_list ? PyList_GET_ITEM(obj, i) : PyTuple_GET_ITEM(obj, i);
            if (encode(e, item, depth + 1) < 0) return note_path(e, PyLong_FromSsize_t(i));
        }
        return 0;
    }
    if (type == &PyBytes_Type || PyBytes_Check(obj))
        return put_blob(e, TAG_BYTES, PyBytes_AS_STRING(obj), PyBytes_GET_SIZE(obj), "bytes");
    if (PyByteArray_Check(obj))
        return put_blob(e, TAG_BYTES, PyByteArray_AS_STRING(obj), PyByteArray_GET_SIZE(obj), "bytearray");
    if (PyMemoryView_Check(obj)) {
        Py_buffer view;
        if (PyObject_GetBuffer(obj, &view, PyBUF_C_CONTIGUOUS) < 0) return -1;
        int result = put_blob(e, TAG_BYTES, view.buf, view.len, "memoryview");
        PyBuffer_Release(&view);
        return result;
    }
    if (PyUnicode_Check(obj)) return encode_str(e, TAG_STR, obj);
    PyErr_Format(PyExc_TypeError, "values of type %.100s cannot be serialized", type->tp_name);
    return -1;
}

static PyObject *format_path(PyObject *path) {
    /* "['a'][3]" from the innermost-first list of segments. */
    PyObject *parts = PyList_New(0);
    if (parts == NULL) return NULL;
    for (Py_ssize_t i = PyList_GET_SIZE(path) - 1; i >= 0; i--) {
        PyObject *part = PyUnicode_FromFormat("[%R]", PyList_GET_ITEM(path, i));
        if (part == NULL || PyList_Append(parts, part) < 0) { Py_XDECREF(part); Py_DECREF(parts); return NULL; }
        Py_DECREF(part);
    }
    PyObject *empty = PyUnicode_FromString("");
    PyObject *joined = empty ? PyUnicode_Join(empty, parts) : NULL;
    Py_XDECREF(empty);
    Py_DECREF(parts);
    return joined;
}

static PyObject *encode_one(PyObject *obj) {
    Encoder e = {NULL, NULL, 0, 256, NULL};
    if ((e.out = PyBytes_FromStringAndSize(NULL, e.cap)) == NULL) return NULL;
    e.data = PyBytes_AS_STRING(e.out);
    memcpy(e.data, MAGIC, 4);
    e.data[4] = (char)VERSION;
    e.len = HEADER_LEN;
    if (encode(&e, obj, 0) < 0) {
        Py_XDECREF(e.out);
        if (e.path != NULL) {
            PyObject *type, *value, *tb;
            PyErr_Fetch(&type, &value, &tb);
            PyErr_NormalizeException(&type, &value, &tb);
            PyObject *where = format_path(e.path);
            if (where != NULL && value != NULL)
                PyErr_Format(type, "%S at value%U", value, where);
            else
                PyErr_Restore(type, value, tb), type = value = tb = NULL;
            Py_XDECREF(where);
            Py_XDECREF(type); Py_XDECREF(value); Py_XDECREF(tb);
            Py_DECREF(e.path);
        }
        return NULL;
    }
    if (_PyBytes_Resize(&e.out, e.len) < 0) return NULL;
    return e.out;
}

/* ------------------------------------------------------------------ decoding */

/* Short texts repeat (dict keys above all): a small direct-mapped cache per call turns
 * each repeat into one hash of the bytes and a memcmp, and hands out a str whose hash
 * is already computed, which also makes the dict insert cheaper. */
#define TEXT_CACHE_SIZE 512
#define TEXT_CACHE_MAX_LEN 32

typedef struct {
    PyObject *texts[TEXT_CACHE_SIZE];
    unsigned short used[TEXT_CACHE_SIZE]; /* filled slots, to clear only those */
    int used_count;
} TextCache;

typedef struct {
    const unsigned char *data;
    Py_ssize_t len, pos;
    TextCache *cache;
} Decoder;

static void clear_text_cache(TextCache *cache) {
    for (int i = 0; i < cache->used_count; i++) Py_CLEAR(cache->texts[cache->used[i]]);
    cache->used_count = 0;
}

static inline unsigned text_slot(const unsigned char *p, uint32_t n) {
    uint32_t h = 2166136261u ^ n;
    for (uint32_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return (h ^ (h >> 15)) & (TEXT_CACHE_SIZE - 1);
}

static PyObject *fail(Py_ssize_t offset, const char *format, ...) {
    va_list args;
    va_start(args, format);
    PyObject *message = PyUnicode_FromFormatV(format, args);
    va_end(args);
    if (message == NULL) return NULL;
    PyObject *text = PyUnicode_FromFormat("invalid blob at byte offset %zd: %U", offset, message);
    Py_DECREF(message);
    if (text == NULL) return NULL;
    PyObject *offset_obj = PyLong_FromSsize_t(offset);
    PyObject *error = offset_obj ? PyObject_CallFunctionObjArgs(DecodeError, text, NULL) : NULL;
    if (error != NULL && PyObject_SetAttrString(error, "offset", offset_obj) == 0)
        PyErr_SetObject(DecodeError, error);
    Py_XDECREF(error);
    Py_XDECREF(offset_obj);
    Py_DECREF(text);
    return NULL;
}

static inline uint32_t get_u32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t get_u64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* Reads a u32 length prefix and checks that `len * unit` bytes can follow it. */
static int read_len(Decoder *d, uint32_t *n, Py_ssize_t unit, const char *what) {
    Py_ssize_t at = d->pos;
    if (d->len - d->pos < 4) {
        fail(at, "truncated: %s length needs 4 bytes but only %zd remain", what, d->len - d->pos);
        return -1;
    }
    *n = get_u32(d->data + at);
    d->pos += 4;
    Py_ssize_t remain = d->len - d->pos;
    if ((uint64_t)*n * (uint64_t)unit > (uint64_t)remain) {
        fail(at, "%s %s %u needs at least %llu bytes but only %zd remain", what,
             unit == 1 && (what[0] == 's' || what[0] == 'b' || what[0] == 'k') ? "length" : "count", *n,
             (unsigned long long)*n * (unsigned long long)unit, remain);
        return -1;
    }
    return 0;
}

static PyObject *decode_text(Decoder *d, const char *what) {
    uint32_t n;
    Py_ssize_t at = d->pos;
    (void)at;
    if (read_len(d, &n, 1, what) < 0) return NULL;
    const char *start = (const char *)d->data + d->pos;
    PyObject **cached = NULL;
    if (n <= TEXT_CACHE_MAX_LEN) {
        cached = &d->cache->texts[text_slot((const unsigned char *)start, n)];
        PyObject *hit = *cached;
        if (hit != NULL && PyUnicode_GET_LENGTH(hit) == n && PyUnicode_IS_COMPACT_ASCII(hit) &&
            memcmp(PyUnicode_DATA(hit), start, n) == 0) {
            d->pos += n;
            return Py_NewRef(hit);
        }
    }
    PyObject *text = PyUnicode_DecodeUTF8(start, n, NULL);
    if (text == NULL) {
        Py_ssize_t bad = d->pos;
        if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
            PyObject *type, *value, *tb;
            PyErr_Fetch(&type, &value, &tb);
            Py_ssize_t index = 0;
            if (value != NULL && PyUnicodeDecodeError_GetStart(value, &index) == 0) bad += index;
            Py_XDECREF(type); Py_XDECREF(value); Py_XDECREF(tb);
            return fail(bad, "%s is not valid UTF-8", what);
        }
        return NULL;
    }
    d->pos += n;
    if (cached != NULL && PyUnicode_IS_COMPACT_ASCII(text)) {
        if (PyObject_Hash(text) == -1) PyErr_Clear();
        if (*cached == NULL) d->cache->used[d->cache->used_count++] = (unsigned short)(cached - d->cache->texts);
        Py_XSETREF(*cached, Py_NewRef(text));
    }
    return text;
}

static PyObject *decode(Decoder *d, int depth) {
    if (d->pos >= d->len) return fail(d->pos, "truncated: a value's tag is missing");
    Py_ssize_t at = d->pos;
    unsigned char tag = d->data[d->pos++];
    switch (tag) {
    case TAG_NULL: Py_RETURN_NONE;
    case TAG_FALSE: Py_RETURN_FALSE;
    case TAG_TRUE: Py_RETURN_TRUE;
    case TAG_INT:
    case TAG_FLOAT: {
        if (d->len - d->pos < 8)
            return fail(d->pos, "truncated: %s needs 8 bytes but only %zd remain",
                        tag == TAG_INT ? "int" : "float", d->len - d->pos);
        uint64_t bits = get_u64(d->data + d->pos);
        d->pos += 8;
        if (tag == TAG_INT) return PyLong_FromLongLong((long long)bits);
        double value;
        memcpy(&value, &bits, 8);
        return PyFloat_FromDouble(value);
    }
    case TAG_STR: return decode_text(d, "str");
    case TAG_BYTES: {
        uint32_t n;
        if (read_len(d, &n, 1, "bytes") < 0) return NULL;
        PyObject *bytes = PyBytes_FromStringAndSize((const char *)d->data + d->pos, n);
        d->pos += n;
        return bytes;
    }
    case TAG_LIST: {
        if (depth >= MAX_DEPTH) return fail(at, "lists and dicts nest deeper than %d levels", MAX_DEPTH);
        uint32_t n;
        if (read_len(d, &n, 1, "list") < 0) return NULL;
        PyObject *list = PyList_New(n);
        if (list == NULL) return NULL;
        for (uint32_t i = 0; i < n; i++) {
            PyObject *item = decode(d, depth + 1);
            if (item == NULL) { Py_DECREF(list); return NULL; }
            PyList_SET_ITEM(list, i, item);
        }
        return list;
    }
    case TAG_DICT: {
        if (depth >= MAX_DEPTH) return fail(at, "lists and dicts nest deeper than %d levels", MAX_DEPTH);
        uint32_t n;
        if (read_len(d, &n, 5, "dict") < 0) return NULL;
        PyObject *dict = _PyDict_NewPresized(n);
        if (dict == NULL) return NULL;
        for (uint32_t i = 0; i < n; i++) {
            Py_ssize_t key_at = d->pos;
            PyObject *key = decode_text(d, "key");
            if (key == NULL) { Py_DECREF(dict); return NULL; }
            PyObject *value = decode(d, depth + 1);
            if (value == NULL) { Py_DECREF(key); Py_DECREF(dict); return NULL; }
            Py_ssize_t before = PyDict_GET_SIZE(dict);
            int failed = PyDict_SetItem(dict, key, value) < 0;
            int repeated = !failed && PyDict_GET_SIZE(dict) == before;
            Py_DECREF(value);
            if (repeated) {
                fail(key_at, "dict key %R occurs twice", key);
                failed = 1;
            }
            Py_DECREF(key);
            if (failed) { Py_DECREF(dict); return NULL; }
        }
        return dict;
    }
    default:
        return fail(at, "unknown tag 0x%02x", tag);
    }
}

static PyObject *decode_with(PyObject *source, TextCache *cache) {
    Py_buffer view;
    if (PyObject_GetBuffer(source, &view, PyBUF_C_CONTIGUOUS) < 0) return NULL;
    Decoder d = {view.buf, view.len, 0, cache};
    PyObject *result = NULL;
    if (d.len < 4 || memcmp(d.data, MAGIC, 4) != 0) {
        if (d.len < 4 && memcmp(d.data, MAGIC, (size_t)d.len) == 0)
            fail(0, "truncated: the header needs 5 bytes but the blob has %zd", d.len);
        else
            fail(0, "wrong magic: not a NOOB value blob");
    } else if (d.len < HEADER_LEN) {
        fail(4, "truncated: the version byte is missing");
    } else if (d.data[4] != VERSION) {
        fail(4, "version %d is not supported (this reader knows version %d)", d.data[4], VERSION);
    } else {
        d.pos = HEADER_LEN;
        result = decode(&d, 0);
        if (result != NULL && d.pos != d.len) {
            Py_CLEAR(result);
            fail(d.pos, "%zd byte(s) follow the value", d.len - d.pos);
        }
    }
    PyBuffer_Release(&view);
    return result;
}

static PyObject *decode_one(PyObject *source) {
    TextCache cache;
    cache.used_count = 0;
    memset(cache.texts, 0, sizeof cache.texts);
    PyObject *result = decode_with(source, &cache);
    clear_text_cache(&cache);
    return result;
}

/* ------------------------------------------------------------------ module */

static PyObject *py_dumps(PyObject *self, PyObject *obj) { (void)self; return encode_one(obj); }
static PyObject *py_loads(PyObject *self, PyObject *data) { (void)self; return decode_one(data); }

static PyObject *map_list(PyObject *items, PyObject *(*one)(PyObject *)) {
    PyObject *seq = PySequence_Fast(items, "expected a sequence");
    if (seq == NULL) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject *out = PyList_New(n);
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
        PyObject *value = one(PySequence_Fast_GET_ITEM(seq, i));
        if (value == NULL) {
            PyObject *type, *exc, *tb;
            PyErr_Fetch(&type, &exc, &tb);
            PyErr_NormalizeException(&type, &exc, &tb);
            PyErr_Format(type, "item %zd: %S", i, exc);
            Py_XDECREF(type); Py_XDECREF(exc); Py_XDECREF(tb);
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, value);
    }
    Py_DECREF(seq);
    return out;
}

static PyObject *py_dumps_many(PyObject *self, PyObject *items) { (void)self; return map_list(items, encode_one); }
static TextCache *batch_cache; /* shared by the items of one loads_many call (GIL held) */
static PyObject *decode_batch_item(PyObject *source) { return decode_with(source, batch_cache); }

static PyObject *py_loads_many(PyObject *self, PyObject *items) {
    (void)self;
    TextCache *cache = PyMem_Calloc(1, sizeof *cache);
    if (cache == NULL) return PyErr_NoMemory();
    TextCache *outer = batch_cache;
    batch_cache = cache;
    PyObject *result = map_list(items, decode_batch_item);
    batch_cache = outer;
    clear_text_cache(cache);
    PyMem_Free(cache);
    return result;
}

static PyMethodDef methods[] = {
    {"dumps", py_dumps, METH_O, "Encode a value into a NOOB value blob (bytes)."},
    {"loads", py_loads, METH_O, "Decode a NOOB value blob (any bytes-like object)."},
    {"dumps_many", py_dumps_many, METH_O, "Encode each value of a sequence; a list of bytes."},
    {"loads_many", py_loads_many, METH_O, "Decode each blob of a sequence; a list of values."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_wire", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__wire(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    PyObject *exceptions = PyImport_ImportModule("noob_core.exceptions");
    if (exceptions != NULL) {
        DecodeError = PyObject_GetAttrString(exceptions, "DecodeError");
        Py_DECREF(exceptions);
    }
    if (DecodeError == NULL) {
        PyErr_Clear();
        DecodeError = Py_NewRef(PyExc_ValueError);
    }
    return m;
}
