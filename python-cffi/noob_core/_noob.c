/* noob_core._noob: the hot half of the noob drop-in (Epoch and the epoch scheduler).
 *
 * Why C: noob makes a dozen tiny scheduler calls and dozens of Epoch operations per
 * node. Through cffi each call costs ~300-450 ns (GIL released and retaken, a lock, the
 * wrapper); a method here costs ~50 ns. Methods hold the GIL throughout, which also
 * serialises threads on a scheduler handle (the handle is single-owner), so no lock.
 *
 * Only the common, well-typed case is handled here. Anything unusual (a str subclass,
 * a numpy int, bad input of any kind) goes to a Python helper registered by setup():
 * those reproduce noob-core's exact validation and messages, so behaviour lives in one
 * place and C never guesses an error text.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdbool.h>
#include <stdint.h>

#include "noob_core.h"

/* ---- Python helpers registered by setup() (strong references, never released) ---- */

static PyTypeObject *EpochType;   /* noob_core.epoch.Epoch, the subclass of _EpochBase */
static PyObject *check_fn;        /* exceptions.check(code): raises for a failed call */
static PyObject *node_ids;        /* dict name -> id, shared with epoch.py */
static PyObject *names;           /* dict id -> name, shared with epoch.py */
static PyObject *signal_ids;      /* dict (node, signal) -> id, shared with noob_scheduler.py */
static PyObject *intern_fn;       /* epoch._intern_node(name) -> id (interns) */
static PyObject *name_of_fn;      /* epoch._name_of(id) -> name */
static PyObject *key_fn;          /* epoch._key(root, path) -> tuple of words, validating */
static PyObject *u32_fn;          /* epoch._u32(value) -> int, validating */
static PyObject *coerce_fn;       /* noob_scheduler._coerce_epoch(obj) -> Epoch or raise */
static PyObject *node_id_fn;      /* noob_scheduler._node_id(name) -> id (never interns) */
static PyObject *item_id_fn;      /* noob_scheduler._item_id(node, signal) -> id */
static PyObject *bool_fn;         /* noob_scheduler._bool(value): raises for a non-bool */

static int ready(void) {
    if (EpochType == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "noob_core._noob is not set up (import noob_core)");
        return 0;
    }
    return 1;
}

/* Raise the mapped exception for a failed call (the detail message is thread-local and
 * still ours: the GIL was held since the call). Returns NULL. */
static PyObject *raise_code(noob_result code) {
    PyObject *r = PyObject_CallFunction(check_fn, "I", (unsigned)code);
    if (r != NULL) {
        Py_DECREF(r);
        PyErr_Format(PyExc_SystemError, "noob_core: call failed with code %u", (unsigned)code);
    }
    return NULL;
}

/* value as a u32 if it is an exact int in range; 0 = not (no exception set). */
static int exact_u32(PyObject *value, uint32_t *out) {
    if (!PyLong_CheckExact(value)) return 0;
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (overflow || v < 0 || v > 0xFFFFFFFFLL) return 0;
    *out = (uint32_t)v;
    return 1;
}

/* value as a u32 with noob-core's extraction rules (the Python helper on the slow path). */
static int to_u32(PyObject *value, uint32_t *out) {
    if (exact_u32(value, out)) return 0;
    PyObject *r = PyObject_CallOneArg(u32_fn, value);
    if (r == NULL) return -1;
    unsigned long v = PyLong_AsUnsignedLong(r);
    Py_DECREF(r);
    if (v == (unsigned long)-1 && PyErr_Occurred()) return -1;
    *out = (uint32_t)v;
    return 0;
}

static int id_from(PyObject *value, uint32_t *out) {
    unsigned long v = PyLong_AsUnsignedLong(value);
    if (v == (unsigned long)-1 && PyErr_Occurred()) return -1;
    *out = (uint32_t)v;
    return 0;
}

/* The id of node `name`, interning it when new (as Epoch paths do). */
static int intern_node(PyObject *name, uint32_t *out) {
    if (PyUnicode_CheckExact(name)) {
        PyObject *found = PyDict_GetItemWithError(node_ids, name);
        if (found != NULL) return id_from(found, out);
        if (PyErr_Occurred()) return -1;
    }
    PyObject *r = PyObject_CallOneArg(intern_fn, name);
    if (r == NULL) return -1;
    int rc = id_from(r, out);
    Py_DECREF(r);
    return rc;
}

/* The id of a node the process has seen (NotAddedError otherwise); never interns. */
static int lookup_node(PyObject *name, uint32_t *out) {
    if (PyUnicode_CheckExact(name)) {
        PyObject *found = PyDict_GetItemWithError(node_ids, name);
        if (found != NULL) return id_from(found, out);
        if (PyErr_Occurred()) return -1;
    }
    PyObject *r = PyObject_CallOneArg(node_id_fn, name);
    if (r == NULL) return -1;
    int rc = id_from(r, out);
    Py_DECREF(r);
    return rc;
}

/* Names by id: a flat array in front of the shared dict (ids are dense, never reused). */
static PyObject **name_cache;
static size_t name_cache_len;

/* Borrowed reference (kept alive by the cache) to the name of `id`. */
static PyObject *name_of(uint32_t id) {
    if (id < name_cache_len && name_cache[id] != NULL) return name_cache[id];
    PyObject *key = PyLong_FromUnsignedLong(id);
    if (key == NULL) return NULL;
    PyObject *name = PyDict_GetItemWithError(names, key);
    if (name != NULL) {
        Py_INCREF(name);
    } else if (!PyErr_Occurred()) {
        name = PyObject_CallOneArg(name_of_fn, key);
    }
    Py_DECREF(key);
    if (name == NULL) return NULL;
    if (id >= name_cache_len) {
        size_t len = name_cache_len ? name_cache_len : 64;
        while (len <= id) len *= 2;
        PyObject **grown = PyMem_Realloc(name_cache, len * sizeof(PyObject *));
        if (grown == NULL) {
            Py_DECREF(name);
            return PyErr_NoMemory();
        }
        memset(grown + name_cache_len, 0, (len - name_cache_len) * sizeof(PyObject *));
        name_cache = grown;
        name_cache_len = len;
    }
    name_cache[id] = name; /* the cache owns the reference */
    return name;
}

/* ================================ Epoch ================================ */

/* words: root, then (node id, index) per path segment; ob_size = number of words. The
 * word tuple order is noob-core's epoch order (root, then segments by intern id and
 * index, a proper prefix first). */
typedef struct {
    PyObject_VAR_HEAD
    Py_hash_t hash; /* -1 until computed */
    uint32_t w[1];
} EpochObject;

static PyTypeObject EpochBaseType;

#define NWORDS(e) Py_SIZE(e)
#define IS_EPOCH(o) (Py_IS_TYPE((o), EpochType) || PyObject_TypeCheck((o), &EpochBaseType))

static PyObject *epoch_alloc(PyTypeObject *type, const uint32_t *w, Py_ssize_t n) {
    EpochObject *e = (EpochObject *)type->tp_alloc(type, n);
    if (e == NULL) return NULL;
    e->hash = -1;
    memcpy(e->w, w, (size_t)n * sizeof(uint32_t));
    return (PyObject *)e;
}

static PyObject *new_epoch(const uint32_t *w, Py_ssize_t n) { return epoch_alloc(EpochType, w, n); }

/* An epoch from a tuple of words (root, id, index, ...), unchecked beyond u32 range. */
static PyObject *epoch_from_key_tuple(PyTypeObject *type, PyObject *key) {
    if (!PyTuple_Check(key) || PyTuple_GET_SIZE(key) < 1 || PyTuple_GET_SIZE(key) % 2 != 1) {
        PyErr_SetString(PyExc_TypeError, "epoch key must be a tuple of 1 + 2k ints");
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(key);
    EpochObject *e = (EpochObject *)type->tp_alloc(type, n);
    if (e == NULL) return NULL;
    e->hash = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned long v = PyLong_AsUnsignedLong(PyTuple_GET_ITEM(key, i));
        if ((v == (unsigned long)-1 && PyErr_Occurred()) || v > 0xFFFFFFFFUL) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_OverflowError, "epoch word out of range");
            Py_DECREF(e);
            return NULL;
        }
        e->w[i] = (uint32_t)v;
    }
    return (PyObject *)e;
}

/* Epoch(root, path=()): the common case here; anything else through epoch._key. */
static PyObject *epoch_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"root", "path", NULL};
    PyObject *root, *path = NULL;
    if (!ready()) return NULL;
    if (kwds == NULL && PyTuple_GET_SIZE(args) == 1) {
        root = PyTuple_GET_ITEM(args, 0);
    } else if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:Epoch", kwlist, &root, &path)) {
        return NULL;
    }
    uint32_t stack[33];
    uint32_t *w = stack;
    Py_ssize_t n = 1;
    if (!exact_u32(root, &w[0])) goto slow;
    if (path != NULL && !(PyTuple_CheckExact(path) && PyTuple_GET_SIZE(path) == 0)) {
        if (!PyList_CheckExact(path) && !PyTuple_CheckExact(path)) goto slow;
        Py_ssize_t segments = PySequence_Fast_GET_SIZE(path);
        if (segments > 16) goto slow;
        for (Py_ssize_t i = 0; i < segments; i++) {
            /* re-read each time: interning runs Python code that could mutate a list */
            if (i >= PySequence_Fast_GET_SIZE(path)) goto slow;
            PyObject *seg = PySequence_Fast_GET_ITEM(path, i);
            if (!PyTuple_CheckExact(seg) || PyTuple_GET_SIZE(seg) != 2) goto slow;
            PyObject *node = PyTuple_GET_ITEM(seg, 0);
            uint32_t index;
            if (!PyUnicode_CheckExact(node) || !exact_u32(PyTuple_GET_ITEM(seg, 1), &index)) goto slow;
            if (intern_node(node, &w[n]) < 0) return NULL;
            w[n + 1] = index;
            n += 2;
        }
    }
    return epoch_alloc(type, w, n);
slow:;
    /* epoch._key validates exactly as noob-core (and interns in the same order) */
    PyObject *key = PyObject_CallFunctionObjArgs(key_fn, root, path, NULL); /* NULL path: default */
    if (key == NULL) return NULL;
    PyObject *e = epoch_from_key_tuple(type, key);
    Py_DECREF(key);
    return e;
}

static void epoch_dealloc(PyObject *self) { Py_TYPE(self)->tp_free(self); }

/* CPython's tuple hash (xxHash-based) over the words. */
static Py_hash_t epoch_hash(PyObject *self) {
    EpochObject *e = (EpochObject *)self;
    if (e->hash != -1) return e->hash;
#if SIZEOF_PY_UHASH_T > 4
#define XXPRIME_1 11400714785074694791ULL
#define XXPRIME_2 14029467366897019727ULL
#define XXPRIME_5 2870177450012600261ULL
#define XXROTATE(x) ((x << 31) | (x >> 33))
#else
#define XXPRIME_1 2654435761UL
#define XXPRIME_2 2246822519UL
#define XXPRIME_5 374761393UL
#define XXROTATE(x) ((x << 13) | (x >> 19))
#endif
    Py_ssize_t n = NWORDS(e);
    Py_uhash_t acc = XXPRIME_5;
    for (Py_ssize_t i = 0; i < n; i++) {
        acc += (Py_uhash_t)e->w[i] * XXPRIME_2;
        acc = XXROTATE(acc);
        acc *= XXPRIME_1;
    }
    acc += (Py_uhash_t)n ^ (XXPRIME_5 ^ 3527539UL);
    if (acc == (Py_uhash_t)-1) acc = 1546275796;
    e->hash = (Py_hash_t)acc;
    return e->hash;
}

static PyObject *epoch_richcompare(PyObject *a, PyObject *b, int op) {
    if (!IS_EPOCH(a) || !IS_EPOCH(b)) Py_RETURN_NOTIMPLEMENTED;
    EpochObject *x = (EpochObject *)a, *y = (EpochObject *)b;
    Py_ssize_t nx = NWORDS(x), ny = NWORDS(y);
    if ((op == Py_EQ || op == Py_NE) && nx != ny) return PyBool_FromLong(op == Py_NE);
    Py_ssize_t n = nx < ny ? nx : ny;
    int c = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (x->w[i] != y->w[i]) {
            c = x->w[i] < y->w[i] ? -1 : 1;
            break;
        }
    }
    if (c == 0) c = nx < ny ? -1 : (nx > ny ? 1 : 0);
    Py_RETURN_RICHCOMPARE(c, 0, op);
}

/* "+"/"-" take an int 0 <= step < 2**32 (anything else: NotImplemented, so TypeError). */
static int step_of(PyObject *a, PyObject *b, long long *step) {
    if (!IS_EPOCH(a) || !PyLong_Check(b)) return 0;
    int overflow;
    *step = PyLong_AsLongLongAndOverflow(b, &overflow);
    if (*step == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    return !overflow && *step >= 0 && *step <= 0xFFFFFFFFLL;
}

static PyObject *epoch_add(PyObject *a, PyObject *b) {
    long long step;
    if (!step_of(a, b, &step)) Py_RETURN_NOTIMPLEMENTED;
    EpochObject *e = (EpochObject *)a;
    Py_ssize_t n = NWORDS(e);
    long long last = (long long)e->w[n - 1] + step;
    if (last > 0xFFFFFFFFLL) {
        return PyErr_Format(PyExc_OverflowError, "%R + %S leaves the 32-bit epoch range", a, b);
    }
    PyObject *out = epoch_alloc(Py_TYPE(a), e->w, n);
    if (out != NULL) ((EpochObject *)out)->w[n - 1] = (uint32_t)last;
    return out;
}

static PyObject *epoch_sub(PyObject *a, PyObject *b) {
    long long step;
    if (!step_of(a, b, &step)) Py_RETURN_NOTIMPLEMENTED;
    EpochObject *e = (EpochObject *)a;
    Py_ssize_t n = NWORDS(e);
    long long last = (long long)e->w[n - 1] - step;
    if (last < 0) {
        PyErr_SetString(PyExc_ValueError, "Negative epochs are invalid");
        return NULL;
    }
    PyObject *out = epoch_alloc(Py_TYPE(a), e->w, n);
    if (out != NULL) ((EpochObject *)out)->w[n - 1] = (uint32_t)last;
    return out;
}

/* True (exception cleared) when the pending exception is one "/" turns into NotImplemented. */
static int soft_error(void) {
    if (PyErr_ExceptionMatches(PyExc_TypeError) || PyErr_ExceptionMatches(PyExc_ValueError) ||
        PyErr_ExceptionMatches(PyExc_OverflowError)) {
        PyErr_Clear();
        return 1;
    }
    return 0;
}

/* epoch / (node, index): appends a segment (node interned first, as noob-core does). */
static PyObject *epoch_div(PyObject *a, PyObject *b) {
    if (!IS_EPOCH(a) || !PyTuple_CheckExact(b) || PyTuple_GET_SIZE(b) != 2) Py_RETURN_NOTIMPLEMENTED;
    PyObject *node = PyTuple_GET_ITEM(b, 0);
    if (!PyUnicode_Check(node)) Py_RETURN_NOTIMPLEMENTED;
    uint32_t id, index;
    if (intern_node(node, &id) < 0 || to_u32(PyTuple_GET_ITEM(b, 1), &index) < 0) {
        if (soft_error()) Py_RETURN_NOTIMPLEMENTED;
        return NULL;
    }
    EpochObject *e = (EpochObject *)a;
    Py_ssize_t n = NWORDS(e);
    EpochObject *out = (EpochObject *)Py_TYPE(a)->tp_alloc(Py_TYPE(a), n + 2);
    if (out == NULL) return NULL;
    out->hash = -1;
    memcpy(out->w, e->w, (size_t)n * sizeof(uint32_t));
    out->w[n] = id;
    out->w[n + 1] = index;
    return (PyObject *)out;
}

static Py_ssize_t epoch_length(PyObject *self) { return (NWORDS(self) + 1) >> 1; }

/* ("tube", root) for position 0, else (node, index); position already in range. */
static PyObject *epoch_item_at(EpochObject *e, Py_ssize_t position) {
    if (position == 0) return Py_BuildValue("(sk)", "tube", (unsigned long)e->w[0]);
    PyObject *name = name_of(e->w[2 * position - 1]);
    if (name == NULL) return NULL;
    return Py_BuildValue("(Ok)", name, (unsigned long)e->w[2 * position]);
}

static PyObject *epoch_sq_item(PyObject *self, Py_ssize_t position) {
    Py_ssize_t length = epoch_length(self);
    if (position < 0 || position >= length) {
        return PyErr_Format(PyExc_IndexError, "Index %zd out of range for epoch of length %zd", position,
                            length);
    }
    return epoch_item_at((EpochObject *)self, position);
}

static PyObject *epoch_subscript(PyObject *self, PyObject *key) {
    PyObject *index = PyNumber_Index(key);
    if (index == NULL) return NULL;
    Py_ssize_t length = epoch_length(self);
    Py_ssize_t position = PyLong_AsSsize_t(index);
    if (position == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_IndexError, "Index %S out of range for epoch of length %zd", index, length);
        Py_DECREF(index);
        return NULL;
    }
    Py_DECREF(index);
    if (position < 0) position += length;
    return epoch_sq_item(self, position);
}

/* [(node, index), ...] for words [from, to) of the path. */
static PyObject *segments(EpochObject *e) {
    Py_ssize_t n = NWORDS(e);
    PyObject *list = PyList_New((n - 1) / 2);
    if (list == NULL) return NULL;
    for (Py_ssize_t i = 1; i < n; i += 2) {
        PyObject *item = epoch_item_at(e, (i + 1) / 2);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (i - 1) / 2, item);
    }
    return list;
}

static PyObject *epoch_root(PyObject *self, void *c) {
    return PyLong_FromUnsignedLong(((EpochObject *)self)->w[0]);
}
static PyObject *epoch_path(PyObject *self, void *c) { return segments((EpochObject *)self); }
static PyObject *epoch_is_root(PyObject *self, void *c) { return PyBool_FromLong(NWORDS(self) == 1); }

static PyObject *epoch_root_epoch(PyObject *self, void *c) {
    if (NWORDS(self) == 1) return Py_NewRef(self);
    return epoch_alloc(Py_TYPE(self), ((EpochObject *)self)->w, 1);
}

static PyObject *epoch_parent(PyObject *self, void *c) {
    if (NWORDS(self) == 1) Py_RETURN_NONE;
    return epoch_alloc(Py_TYPE(self), ((EpochObject *)self)->w, NWORDS(self) - 2);
}

static PyObject *epoch_parents(PyObject *self, void *c) {
    Py_ssize_t n = NWORDS(self);
    PyObject *list = PyList_New((n - 1) / 2);
    if (list == NULL) return NULL;
    for (Py_ssize_t end = n - 2, i = 0; end > 0; end -= 2, i++) {
        PyObject *p = epoch_alloc(Py_TYPE(self), ((EpochObject *)self)->w, end);
        if (p == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, p);
    }
    return list;
}

static PyObject *epoch_leaf(PyObject *self, void *c) {
    if (NWORDS(self) == 1) Py_RETURN_NONE;
    return epoch_item_at((EpochObject *)self, epoch_length(self) - 1);
}

/* The words as a tuple (the identity the Python helpers work with). */
static PyObject *epoch_key(PyObject *self, void *c) {
    Py_ssize_t n = NWORDS(self);
    PyObject *t = PyTuple_New(n);
    if (t == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *v = PyLong_FromUnsignedLong(((EpochObject *)self)->w[i]);
        if (v == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, v);
    }
    return t;
}

static PyObject *epoch_repr(PyObject *self) {
    EpochObject *e = (EpochObject *)self;
    Py_ssize_t n = NWORDS(e);
    if (n == 1) return PyUnicode_FromFormat("%lu", (unsigned long)e->w[0]);
    PyObject *parts = PyList_New(0);
    if (parts == NULL) return NULL;
    PyObject *text = PyUnicode_FromFormat("%lu", (unsigned long)e->w[0]);
    if (text == NULL || PyList_Append(parts, text) < 0) goto fail;
    Py_CLEAR(text);
    /* Segments as noob-core prints them: ('name', index), the name raw between single
     * quotes (nothing escaped, a NUL byte as itself). */
    for (Py_ssize_t p = 1; p < epoch_length(self); p++) {
        PyObject *name = name_of(e->w[2 * p - 1]); /* borrowed */
        if (name == NULL) goto fail;
        text = PyUnicode_FromFormat("('%U', %lu)", name, (unsigned long)e->w[2 * p]);
        if (text == NULL || PyList_Append(parts, text) < 0) goto fail;
        Py_CLEAR(text);
    }
    PyObject *sep = PyUnicode_FromString(", ");
    if (sep == NULL) goto fail;
    PyObject *joined = PyUnicode_Join(sep, parts);
    Py_DECREF(sep);
    Py_DECREF(parts);
    if (joined == NULL) return NULL;
    PyObject *out = PyUnicode_FromFormat("(%U)", joined);
    Py_DECREF(joined);
    return out;
fail:
    Py_XDECREF(text);
    Py_DECREF(parts);
    return NULL;
}

static const char *const READ_ONLY[] = {"root", "is_root", "root_epoch", "parent", "parents", "leaf", "path", NULL};

/* Immutable: noob-core's messages for its properties and for anything else. */
static int epoch_setattro(PyObject *self, PyObject *name, PyObject *value) {
    if (PyUnicode_Check(name)) {
        for (const char *const *p = READ_ONLY; *p; p++) {
            if (PyUnicode_CompareWithASCIIString(name, *p) == 0) {
                PyErr_Format(PyExc_AttributeError, "attribute '%U' of 'noob_core.Epoch' objects is not writable",
                             name);
                return -1;
            }
        }
    }
    PyErr_Format(PyExc_AttributeError, "'noob_core.Epoch' object has no attribute '%S'", name);
    return -1;
}

/* make_subepochs(node, n): [self / (node, 0), ..., self / (node, n - 1)]. */
static PyObject *epoch_make_subepochs(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) return PyErr_Format(PyExc_TypeError, "make_subepochs() takes 2 arguments (%zd given)", nargs);
    if (!PyUnicode_Check(args[0])) {
        return PyErr_Format(PyExc_TypeError, "'%s' object is not an instance of 'str'", Py_TYPE(args[0])->tp_name);
    }
    uint32_t count, id;
    if (to_u32(args[1], &count) < 0 || intern_node(args[0], &id) < 0) return NULL;
    EpochObject *e = (EpochObject *)self;
    Py_ssize_t n = NWORDS(e);
    PyObject *list = PyList_New(count);
    if (list == NULL) return NULL;
    for (uint32_t i = 0; i < count; i++) {
        EpochObject *sub = (EpochObject *)Py_TYPE(self)->tp_alloc(Py_TYPE(self), n + 2);
        if (sub == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        sub->hash = -1;
        memcpy(sub->w, e->w, (size_t)n * sizeof(uint32_t));
        sub->w[n] = id;
        sub->w[n + 1] = i;
        PyList_SET_ITEM(list, i, (PyObject *)sub);
    }
    return list;
}

static PyGetSetDef epoch_getset[] = {
    {"root", epoch_root, NULL, NULL, NULL},
    {"path", epoch_path, NULL, "The segments (node, index) below the root (not in noob-core).", NULL},
    {"is_root", epoch_is_root, NULL, NULL, NULL},
    {"root_epoch", epoch_root_epoch, NULL, NULL, NULL},
    {"parent", epoch_parent, NULL, NULL, NULL},
    {"parents", epoch_parents, NULL, "The ancestors, nearest first.", NULL},
    {"leaf", epoch_leaf, NULL, NULL, NULL},
    {"_k", epoch_key, NULL, "The words (root, node id, index, ...) as a tuple.", NULL},
    {NULL},
};

static PyMethodDef epoch_methods[] = {
    {"make_subepochs", (PyCFunction)(void (*)(void))epoch_make_subepochs, METH_FASTCALL,
     "make_subepochs(node, n): [self / (node, 0), ..., self / (node, n - 1)]."},
    {NULL},
};

static PyNumberMethods epoch_as_number = {
    .nb_add = epoch_add,
    .nb_subtract = epoch_sub,
    .nb_true_divide = epoch_div,
};

static PySequenceMethods epoch_as_sequence = {
    .sq_length = epoch_length,
    .sq_item = epoch_sq_item,
};

static PyMappingMethods epoch_as_mapping = {
    .mp_length = epoch_length,
    .mp_subscript = epoch_subscript,
};

static PyTypeObject EpochBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "noob_core._noob._EpochBase",
    .tp_basicsize = offsetof(EpochObject, w),
    .tp_itemsize = sizeof(uint32_t),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The C half of noob_core.Epoch (use noob_core.Epoch).",
    .tp_new = epoch_tp_new,
    .tp_dealloc = epoch_dealloc,
    .tp_hash = epoch_hash,
    .tp_richcompare = epoch_richcompare,
    .tp_repr = epoch_repr,
    .tp_str = epoch_repr,
    .tp_setattro = epoch_setattro,
    .tp_as_number = &epoch_as_number,
    .tp_as_sequence = &epoch_as_sequence,
    .tp_as_mapping = &epoch_as_mapping,
    .tp_getset = epoch_getset,
    .tp_methods = epoch_methods,
};

/* ============================== Scheduler ============================== */

typedef struct {
    PyObject_HEAD
    noob_epoch_scheduler *handle; /* NULL until _build */
    noob_words words;             /* the last list the library returned */
    PyObject *event_ids;          /* dict node -> dict signal -> (node id, signal id) | None */
    int building;
} SchedObject;

static PyTypeObject SchedBaseType;

static noob_epoch_scheduler *handle_of(SchedObject *s) {
    if (s->handle == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Scheduler is not initialised");
        return NULL;
    }
    return s->handle;
}

/* An epoch-like argument (Epoch, or a root number): its words. `*holder` keeps a
 * converted epoch alive (release it after the call). */
typedef struct {
    uint32_t root;
    const uint32_t *path;
    size_t depth;
    PyObject *holder;
} EpochArg;

static int epoch_arg(PyObject *obj, EpochArg *a) {
    a->holder = NULL;
    if (!IS_EPOCH(obj)) {
        if (exact_u32(obj, &a->root)) {
            a->path = NULL;
            a->depth = 0;
            return 0;
        }
        obj = PyObject_CallOneArg(coerce_fn, obj); /* validates, raises noob-core's error */
        if (obj == NULL) return -1;
        if (!IS_EPOCH(obj)) {
            Py_DECREF(obj);
            PyErr_SetString(PyExc_SystemError, "_coerce_epoch returned a non-Epoch");
            return -1;
        }
        a->holder = obj;
    }
    EpochObject *e = (EpochObject *)obj;
    a->root = e->w[0];
    a->depth = (size_t)(NWORDS(e) - 1) / 2;
    a->path = a->depth ? e->w + 1 : NULL;
    return 0;
}

/* Epoch only (node_is_ready, node_is_done, get_epoch_state). */
static int strict_epoch_arg(PyObject *obj, EpochArg *a) {
    if (!IS_EPOCH(obj)) {
        PyErr_Format(PyExc_TypeError, "'%s' object is not an instance of 'Epoch'", Py_TYPE(obj)->tp_name);
        return -1;
    }
    return epoch_arg(obj, a);
}

/* The argument as the Epoch it denotes (new reference). */
static PyObject *as_epoch(PyObject *obj, EpochArg *a) {
    if (IS_EPOCH(obj)) return Py_NewRef(obj);
    if (a->holder) return Py_NewRef(a->holder);
    return new_epoch(&a->root, 1);
}

static int as_bool(PyObject *value, bool *out) {
    if (value == Py_True || value == Py_False) {
        *out = value == Py_True;
        return 0;
    }
    PyObject *r = PyObject_CallOneArg(bool_fn, value); /* raises noob-core's TypeError */
    if (r == NULL) return -1;
    int truth = PyObject_IsTrue(r);
    Py_DECREF(r);
    if (truth < 0) return -1;
    *out = truth;
    return 0;
}

/* Epoch outputs back to back (depth, root, node_1, index_1, ...) as a list of Epochs. */
static PyObject *decode_epochs(const uint32_t *w, size_t len) {
    PyObject *list = PyList_New(0);
    if (list == NULL) return NULL;
    size_t i = 0;
    while (i < len) {
        size_t end = i + 2 + 2 * (size_t)w[i];
        if (end > len) {
            Py_DECREF(list);
            PyErr_SetString(PyExc_SystemError, "noob_core: malformed epoch list");
            return NULL;
        }
        PyObject *e = new_epoch(w + i + 1, (Py_ssize_t)(end - i - 1));
        if (e == NULL || PyList_Append(list, e) < 0) {
            Py_XDECREF(e);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(e);
        i = end;
    }
    return list;
}

/* A private copy of the scheduler's last output view. Decoding allocates Python objects,
 * which can run a garbage collection, finalizers and so another thread that calls this
 * scheduler and overwrites the view: never decode from the library's buffer itself. */
typedef struct {
    uint32_t *w;
    size_t len;
    uint32_t stack[256];
} ViewCopy;

static int copy_view(ViewCopy *c, const noob_words *view) {
    c->len = view->len;
    c->w = c->stack;
    if (view->len > 256) {
        c->w = PyMem_Malloc(view->len * sizeof(uint32_t));
        if (c->w == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    if (view->len) memcpy(c->w, view->words, view->len * sizeof(uint32_t));
    return 0;
}

static void free_view(ViewCopy *c) {
    if (c->w != c->stack) PyMem_Free(c->w);
}

static PyObject *ended(SchedObject *s) {
    ViewCopy c;
    if (copy_view(&c, &s->words) < 0) return NULL;
    PyObject *out = decode_epochs(c.w, c.len);
    free_view(&c);
    return out;
}

static PyObject *words_list(const noob_words *view) {
    ViewCopy c;
    if (copy_view(&c, view) < 0) return NULL;
    PyObject *list = PyList_New((Py_ssize_t)c.len);
    for (size_t i = 0; list != NULL && i < c.len; i++) {
        PyObject *v = PyLong_FromUnsignedLong(c.w[i]);
        if (v == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, v);
    }
    free_view(&c);
    return list;
}

/* Positional + keyword arguments into `out` (defaults preset by the caller). */
static int parse(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, const char *fn,
                 const char *const *kw, Py_ssize_t required, PyObject **out) {
    Py_ssize_t max = 0;
    while (kw[max]) max++;
    if (nargs > max) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %zd arguments (%zd given)", fn, max, nargs);
        return -1;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) out[i] = args[i];
    Py_ssize_t given = nargs;
    if (kwnames) {
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(kwnames); k++) {
            PyObject *name = PyTuple_GET_ITEM(kwnames, k);
            Py_ssize_t j = 0;
            while (kw[j] && PyUnicode_CompareWithASCIIString(name, kw[j]) != 0) j++;
            if (!kw[j]) {
                PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fn, name);
                return -1;
            }
            if (j < nargs) {
                PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", fn, kw[j]);
                return -1;
            }
            out[j] = args[nargs + k];
            given++;
        }
    }
    for (Py_ssize_t j = 0; j < required; j++) {
        if (out[j] == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fn, kw[j]);
            return -1;
        }
    }
    return 0;
}

static PyObject *sched_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    if (!ready()) return NULL;
    SchedObject *s = (SchedObject *)type->tp_alloc(type, 0);
    if (s == NULL) return NULL;
    s->event_ids = PyDict_New();
    if (s->event_ids == NULL) {
        Py_DECREF(s);
        return NULL;
    }
    return (PyObject *)s;
}

static void sched_dealloc(PyObject *self) {
    SchedObject *s = (SchedObject *)self;
    noob_epoch_scheduler_free(s->handle);
    Py_XDECREF(s->event_ids);
    Py_TYPE(self)->tp_free(self);
}

/* _build(node_names, node_name_lens, node_flags, edge_names, edge_name_lens, edge_required):
 * the encoded graph (see noob_epoch_scheduler_new; the *_lens buffers hold native size_t
 * values, struct format "N"), once per object, from Scheduler.__new__; the build releases the
 * GIL (it is the one long call, and the object has no handle to race on yet). */
static PyObject *sched_build(SchedObject *s, PyObject *args) {
    Py_buffer nn, nl, nf, en, el, er;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*:_build", &nn, &nl, &nf, &en, &el, &er)) return NULL;
    PyObject *result = NULL;
    /* The library reads node_count lengths and 4 * edge_count lengths: the buffers must
     * hold exactly that many (it refuses sums that do not match the texts itself). */
    const size_t entry = sizeof(size_t);
    if ((size_t)nl.len % entry != 0 || (size_t)nl.len / entry != (size_t)nf.len ||
        (size_t)el.len % (4 * entry) != 0 || (size_t)el.len / (4 * entry) != (size_t)er.len) {
        PyErr_SetString(PyExc_ValueError, "_build: a name length buffer does not match its count");
        goto done;
    }
    /* Built once: a handle never changes while its object lives, so a method may hold it
     * across Python code (argument fallbacks) without it being freed underneath. */
    if (s->building || s->handle != NULL) {
        PyErr_SetString(PyExc_RuntimeError, s->building ? "Scheduler is being built by another thread"
                                                        : "Scheduler is already initialised");
        goto done;
    }
    s->building = 1;
    noob_epoch_scheduler *built = NULL;
    noob_result code;
    Py_BEGIN_ALLOW_THREADS
    code = noob_epoch_scheduler_new(nn.buf, (size_t)nn.len, nl.buf, nf.buf, (size_t)nf.len, en.buf,
                                    (size_t)en.len, el.buf, er.buf, (size_t)er.len, &built);
    Py_END_ALLOW_THREADS
    s->building = 0;
    if (code != NOOB_OK) {
        raise_code(code);
        goto done;
    }
    s->handle = built;
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&nn);
    PyBuffer_Release(&nl);
    PyBuffer_Release(&nf);
    PyBuffer_Release(&en);
    PyBuffer_Release(&el);
    PyBuffer_Release(&er);
    return result;
}

static PyObject *sched_add_epoch(SchedObject *s, PyObject *unused) {
    noob_epoch_scheduler *h = handle_of(s);
    if (h == NULL) return NULL;
    uint32_t root;
    noob_result code = noob_epoch_scheduler_add_epoch(h, &root);
    if (code) return raise_code(code);
    return new_epoch(&root, 1);
}

static PyObject *sched_add_epoch_at(SchedObject *s, PyObject *epoch) {
    noob_epoch_scheduler *h = handle_of(s);
    EpochArg a;
    if (h == NULL || epoch_arg(epoch, &a) < 0) return NULL;
    noob_result code = noob_epoch_scheduler_add_epoch_at(h, a.root, a.path, a.depth);
    PyObject *out = code ? raise_code(code) : as_epoch(epoch, &a);
    Py_XDECREF(a.holder);
    return out;
}

static PyObject *sched_end_epoch(SchedObject *s, PyObject *epoch) {
    noob_epoch_scheduler *h = handle_of(s);
    EpochArg a;
    if (h == NULL || epoch_arg(epoch, &a) < 0) return NULL;
    noob_result code = noob_epoch_scheduler_end_epoch(h, a.root, a.path, a.depth, &s->words);
    Py_XDECREF(a.holder);
    return code ? raise_code(code) : ended(s);
}

static PyObject *sched_is_active(SchedObject *s, PyObject *unused) {
    noob_epoch_scheduler *h = handle_of(s);
    if (h == NULL) return NULL;
    bool flag;
    noob_result code = noob_epoch_scheduler_is_active(h, &flag);
    return code ? raise_code(code) : PyBool_FromLong(flag);
}

static PyObject *epoch_query(SchedObject *s, PyObject *epoch, uint32_t query) {
    noob_epoch_scheduler *h = handle_of(s);
    EpochArg a;
    if (h == NULL || epoch_arg(epoch, &a) < 0) return NULL;
    bool flag;
    noob_result code = noob_epoch_scheduler_epoch_query(h, query, a.root, a.path, a.depth, &flag);
    Py_XDECREF(a.holder);
    return code ? raise_code(code) : PyBool_FromLong(flag);
}

static PyObject *sched_is_active_at(SchedObject *s, PyObject *e) { return epoch_query(s, e, NOOB_QUERY_IS_ACTIVE_AT); }
static PyObject *sched_epoch_completed(SchedObject *s, PyObject *e) {
    return epoch_query(s, e, NOOB_QUERY_EPOCH_COMPLETED);
}
static PyObject *sched_sources_finished(SchedObject *s, PyObject *e) {
    return epoch_query(s, e, NOOB_QUERY_SOURCES_FINISHED);
}

/* flags: active, exhausted, has_cycle, found; root of the first active epoch. */
static int status(SchedObject *s, bool flags[4], uint32_t *root) {
    noob_epoch_scheduler *h = handle_of(s);
    if (h == NULL) return -1;
    noob_result code = noob_epoch_scheduler_status(h, &flags[0], &flags[1], &flags[2], &flags[3], root);
    if (code) {
        raise_code(code);
        return -1;
    }
    return 0;
}

static PyObject *sched_first_active_epoch(SchedObject *s, PyObject *unused) {
    bool flags[4];
    uint32_t root;
    if (status(s, flags, &root) < 0) return NULL;
    if (!flags[3]) Py_RETURN_NONE;
    return new_epoch(&root, 1);
}

static PyObject *sched_exhausted(SchedObject *s, void *c) {
    bool flags[4];
    uint32_t root;
    if (status(s, flags, &root) < 0) return NULL;
    return PyBool_FromLong(flags[1]);
}

static PyObject *sched_has_cycle(SchedObject *s, PyObject *unused) {
    bool flags[4];
    uint32_t root;
    if (status(s, flags, &root) < 0) return NULL;
    return PyBool_FromLong(flags[2]);
}

/* Groups (epoch output, count, ids...) as [(epoch, name), ...], one Epoch per group. */
static PyObject *ready_list(SchedObject *s, bool all, EpochArg *a) {
    noob_epoch_scheduler *h = handle_of(s);
    if (h == NULL) return NULL;
    noob_result code = noob_epoch_scheduler_get_ready(h, all, a->root, a->path, a->depth, &s->words);
    if (code) return raise_code(code);
    ViewCopy c;
    if (copy_view(&c, &s->words) < 0) return NULL;
    const uint32_t *w = c.w;
    size_t len = c.len, i = 0;
    PyObject *list = PyList_New(0);
    if (list == NULL) {
        free_view(&c);
        return NULL;
    }
    while (i < len) {
        size_t end = i + 2 + 2 * (size_t)w[i];
        if (end >= len || end + 1 + w[end] > len) {
            PyErr_SetString(PyExc_SystemError, "noob_core: malformed ready list");
            goto fail;
        }
        PyObject *epoch = new_epoch(w + i + 1, (Py_ssize_t)(end - i - 1));
        if (epoch == NULL) goto fail;
        uint32_t count = w[end];
        for (uint32_t k = 0; k < count; k++) {
            PyObject *name = name_of(w[end + 1 + k]);
            PyObject *pair = name ? PyTuple_Pack(2, epoch, name) : NULL;
            if (pair == NULL || PyList_Append(list, pair) < 0) {
                Py_XDECREF(pair);
                Py_DECREF(epoch);
                goto fail;
            }
            Py_DECREF(pair);
        }
        Py_DECREF(epoch);
        i = end + 1 + count;
    }
    free_view(&c);
    return list;
fail:
    free_view(&c);
    Py_DECREF(list);
    return NULL;
}

static PyObject *sched_get_ready(SchedObject *s, PyObject *unused) {
    EpochArg a = {0, NULL, 0, NULL};
    return ready_list(s, true, &a);
}

static PyObject *sched_get_ready_at(SchedObject *s, PyObject *epoch) {
    EpochArg a;
    if (handle_of(s) == NULL || epoch_arg(epoch, &a) < 0) return NULL;
    PyObject *out = ready_list(s, false, &a);
    Py_XDECREF(a.holder);
    return out;
}

static PyObject *node_query(SchedObject *s, PyObject *node, PyObject *epoch, bool done, bool subepochs) {
    noob_epoch_scheduler *h = handle_of(s);
    EpochArg a;
    uint32_t id;
    if (h == NULL || strict_epoch_arg(epoch, &a) < 0) return NULL;
    if (lookup_node(node, &id) < 0) return NULL;
    bool flag;
    noob_result code = noob_epoch_scheduler_node_query(h, id, a.root, a.path, a.depth, done, subepochs, &flag);
    return code ? raise_code(code) : PyBool_FromLong(flag);
}

static PyObject *sched_node_is_ready(SchedObject *s, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    static const char *const kw[] = {"node", "epoch", "subepochs", NULL};
    PyObject *v[3] = {NULL, NULL, NULL};
    bool subepochs;
    if (parse(args, nargs, kwnames, "node_is_ready", kw, 3, v) < 0) return NULL;
    if (as_bool(v[2], &subepochs) < 0) return NULL;
    return node_query(s, v[0], v[1], false, subepochs);
}

static PyObject *sched_node_is_done(SchedObject *s, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    static const char *const kw[] = {"node", "epoch", NULL};
    PyObject *v[2] = {NULL, NULL};
    if (parse(args, nargs, kwnames, "node_is_done", kw, 2, v) < 0) return NULL;
    return node_query(s, v[0], v[1], true, false);
}

/* The item a done/expire names: a node, or its signal. */
static int item_id(PyObject *node, PyObject *signal, uint32_t *out) {
    if (signal == Py_None) return lookup_node(node, out);
    if (PyUnicode_CheckExact(node) && PyUnicode_CheckExact(signal)) {
        PyObject *key = PyTuple_Pack(2, node, signal);
        if (key == NULL) return -1;
        PyObject *found = PyDict_GetItemWithError(signal_ids, key);
        Py_DECREF(key);
        if (found != NULL) return id_from(found, out);
        if (PyErr_Occurred()) return -1;
    }
    PyObject *r = PyObject_CallFunctionObjArgs(item_id_fn, node, signal, NULL);
    if (r == NULL) return -1;
    int rc = id_from(r, out);
    Py_DECREF(r);
    return rc;
}

static PyObject *finish(SchedObject *s, PyObject **v, bool expire) {
    noob_epoch_scheduler *h = handle_of(s);
    EpochArg a;
    uint32_t item;
    bool with_signals, unlock = false;
    if (h == NULL || epoch_arg(v[0], &a) < 0) return NULL;
    /* noob-core's order: the epoch, then the item, then the flags */
    if (item_id(v[1], v[2], &item) < 0 || as_bool(v[3], &with_signals) < 0 ||
        (expire && as_bool(v[4], &unlock) < 0)) {
        Py_XDECREF(a.holder);
        return NULL;
    }
    noob_result code =
        noob_epoch_scheduler_finish(h, a.root, a.path, a.depth, item, expire, with_signals, unlock, &s->words);
    Py_XDECREF(a.holder);
    return code ? raise_code(code) : ended(s);
}

static PyObject *sched_done(SchedObject *s, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    static const char *const kw[] = {"epoch", "node_id", "signal", "with_signals", NULL};
    PyObject *v[4] = {NULL, NULL, Py_None, Py_True};
    if (parse(args, nargs, kwnames, "done", kw, 2, v) < 0) return NULL;
    return finish(s, v, false);
}

static PyObject *sched_expire(SchedObject *s, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    static const char *const kw[] = {"epoch", "node_id", "signal", "with_signals", "unlock_optionals", NULL};
    PyObject *v[5] = {NULL, NULL, Py_None, Py_True, Py_True};
    if (parse(args, nargs, kwnames, "expire", kw, 2, v) < 0) return NULL;
    return finish(s, v, true);
}

/* A growable word buffer for update's events. */
typedef struct {
    uint32_t *w;
    size_t len, cap;
    uint32_t stack[512];
} Words;

static int push(Words *b, const uint32_t *w, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap * 2;
        while (cap < b->len + n) cap *= 2;
        uint32_t *grown = b->w == b->stack ? PyMem_Malloc(cap * sizeof(uint32_t))
                                            : PyMem_Realloc(b->w, cap * sizeof(uint32_t));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        if (b->w == b->stack) memcpy(grown, b->stack, b->len * sizeof(uint32_t));
        b->w = grown;
        b->cap = cap;
    }
    memcpy(b->w + b->len, w, n * sizeof(uint32_t));
    b->len += n;
    return 0;
}

static PyObject *run_update(SchedObject *s, const uint32_t *w, size_t len) {
    noob_epoch_scheduler *h = handle_of(s);
    if (h == NULL) return NULL;
    if (len == 0) return PyList_New(0); /* noob-core validates nothing else, ends nothing */
    noob_result code = noob_epoch_scheduler_update(h, w, len, &s->words);
    return code ? raise_code(code) : ended(s);
}

/* update(events): (epoch, node, signal, no_event, exhausted) tuples. Well-typed events
 * whose (node, signal) this scheduler has seen are encoded here; anything else hands
 * the whole call to the Python _update_slow (which validates, fills the id cache and
 * calls _update_words), so errors are raised exactly where noob-core raises them. */
static PyObject *sched_update(SchedObject *s, PyObject *events) {
    if (handle_of(s) == NULL) return NULL;
    if (!PyList_CheckExact(events) && !PyTuple_CheckExact(events)) goto slow;
    Words b = {.w = b.stack, .len = 0, .cap = 512};
    PyObject *out = NULL;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(events); i++) {
        PyObject *ev = PySequence_Fast_GET_ITEM(events, i);
        if (!PyTuple_CheckExact(ev) || PyTuple_GET_SIZE(ev) != 5) goto bail;
        PyObject *epoch = PyTuple_GET_ITEM(ev, 0), *node = PyTuple_GET_ITEM(ev, 1);
        PyObject *signal = PyTuple_GET_ITEM(ev, 2), *no_event = PyTuple_GET_ITEM(ev, 3);
        PyObject *exhausted = PyTuple_GET_ITEM(ev, 4);
        if ((no_event != Py_True && no_event != Py_False) || (exhausted != Py_True && exhausted != Py_False))
            goto bail;
        if (!PyUnicode_CheckExact(node) || !PyUnicode_CheckExact(signal)) goto bail;
        /* No allocation in this loop (it could collect garbage, run finalizers, switch
         * threads and free the borrowed events): nested dicts, looked up by exact str. */
        PyObject *per_node = PyDict_GetItemWithError(s->event_ids, node);
        PyObject *ids = per_node && PyDict_CheckExact(per_node) ? PyDict_GetItemWithError(per_node, signal) : NULL;
        if (ids == NULL) {
            if (PyErr_Occurred()) goto fail;
            goto bail; /* first sight of this pair: the Python path resolves and caches it */
        }
        uint32_t head[5], root;
        const uint32_t *path = NULL;
        size_t nwords = 1;
        if (IS_EPOCH(epoch)) {
            path = ((EpochObject *)epoch)->w;
            nwords = (size_t)NWORDS(epoch);
        } else if (!exact_u32(epoch, &root)) {
            goto bail;
        }
        if (ids == Py_None) continue; /* a node the process never saw: noob-core drops it */
        if (!PyTuple_CheckExact(ids) || PyTuple_GET_SIZE(ids) != 2 || id_from(PyTuple_GET_ITEM(ids, 0), &head[1]) < 0 ||
            id_from(PyTuple_GET_ITEM(ids, 1), &head[2]) < 0)
            goto fail;
        head[0] = (no_event == Py_True ? NOOB_EVENT_NO_EVENT : 0) | (exhausted == Py_True ? NOOB_EVENT_EXHAUSTED : 0);
        head[3] = (uint32_t)(nwords - 1) / 2;
        if (push(&b, head, 4) < 0 || push(&b, path ? path : &root, nwords) < 0) goto fail;
    }
    out = run_update(s, b.w, b.len);
    goto fail; /* frees the buffer */
bail:
    if (b.w != b.stack) PyMem_Free(b.w);
slow:
    return PyObject_CallMethod((PyObject *)s, "_update_slow", "O", events);
fail:
    if (b.w != b.stack) PyMem_Free(b.w);
    return out;
}

/* _update_words(words): update with events already encoded (the Python slow path). */
static PyObject *sched_update_words(SchedObject *s, PyObject *list) {
    if (!PyList_Check(list)) return PyErr_Format(PyExc_TypeError, "_update_words takes a list of ints");
    Words b = {.w = b.stack, .len = 0, .cap = 512};
    PyObject *out = NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        uint32_t word;
        if (id_from(PyList_GET_ITEM(list, i), &word) < 0 || push(&b, &word, 1) < 0) goto done;
    }
    out = run_update(s, b.w, b.len);
done:
    if (b.w != b.stack) PyMem_Free(b.w);
    return out;
}

/* The cold list queries, as raw words for Python to decode. */
static PyObject *sched_list(SchedObject *s, PyObject *which) {
    noob_epoch_scheduler *h = handle_of(s);
    uint32_t list;
    if (h == NULL || to_u32(which, &list) < 0) return NULL;
    noob_result code = noob_epoch_scheduler_list(h, list, &s->words);
    return code ? raise_code(code) : words_list(&s->words);
}

static PyObject *sched_upstream(SchedObject *s, PyObject *node) {
    noob_epoch_scheduler *h = handle_of(s);
    uint32_t id;
    if (h == NULL || lookup_node(node, &id) < 0) return NULL;
    noob_result code = noob_epoch_scheduler_upstream_nodes(h, id, &s->words);
    return code ? raise_code(code) : words_list(&s->words);
}

static PyObject *sched_epoch_state(SchedObject *s, PyObject *epoch) {
    noob_epoch_scheduler *h = handle_of(s);
    EpochArg a;
    if (h == NULL || strict_epoch_arg(epoch, &a) < 0) return NULL;
    noob_result code = noob_epoch_scheduler_epoch_state(h, a.root, a.path, a.depth, &s->words);
    return code ? raise_code(code) : words_list(&s->words);
}

static PyObject *sched_event_ids(SchedObject *s, void *c) { return Py_NewRef(s->event_ids); }

static PyGetSetDef sched_getset[] = {
    {"exhausted", (getter)sched_exhausted, NULL, "No more useful work can be done until re-initialised.", NULL},
    {"_event_ids", (getter)sched_event_ids, NULL, "node -> signal -> (node id, signal id) | None.", NULL},
    {NULL},
};

#define FAST_KW (METH_FASTCALL | METH_KEYWORDS)
static PyMethodDef sched_methods[] = {
    {"_build", (PyCFunction)sched_build, METH_VARARGS, NULL},
    {"add_epoch", (PyCFunction)sched_add_epoch, METH_NOARGS, "Create the next root epoch."},
    {"add_epoch_at", (PyCFunction)sched_add_epoch_at, METH_O, "Create `epoch` (EpochExistsError / EpochCompletedError)."},
    {"end_epoch", (PyCFunction)sched_end_epoch, METH_O, "Declare `epoch` finished; the epochs that ended, it last."},
    {"is_active", (PyCFunction)sched_is_active, METH_NOARGS, NULL},
    {"is_active_at", (PyCFunction)sched_is_active_at, METH_O, NULL},
    {"epoch_completed", (PyCFunction)sched_epoch_completed, METH_O, NULL},
    {"sources_finished", (PyCFunction)sched_sources_finished, METH_O, NULL},
    {"first_active_epoch", (PyCFunction)sched_first_active_epoch, METH_NOARGS, NULL},
    {"has_cycle", (PyCFunction)sched_has_cycle, METH_NOARGS, NULL},
    {"get_ready", (PyCFunction)sched_get_ready, METH_NOARGS, "Hand out every ready node of every live epoch."},
    {"get_ready_at", (PyCFunction)sched_get_ready_at, METH_O, "Hand out the ready nodes of `epoch` and its subepochs."},
    {"node_is_ready", (PyCFunction)(void (*)(void))sched_node_is_ready, FAST_KW, NULL},
    {"node_is_done", (PyCFunction)(void (*)(void))sched_node_is_done, FAST_KW, NULL},
    {"done", (PyCFunction)(void (*)(void))sched_done, FAST_KW, "Mark a node (or its signal) done."},
    {"expire", (PyCFunction)(void (*)(void))sched_expire, FAST_KW, "Finish a node (or signal) without readying dependants."},
    {"update", (PyCFunction)sched_update, METH_O, "Apply (epoch, node_id, signal, no_event, exhausted) events."},
    {"_update_words", (PyCFunction)sched_update_words, METH_O, NULL},
    {"_list", (PyCFunction)sched_list, METH_O, NULL},
    {"_upstream", (PyCFunction)sched_upstream, METH_O, NULL},
    {"_epoch_state", (PyCFunction)sched_epoch_state, METH_O, NULL},
    {NULL},
};

static PyTypeObject SchedBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "noob_core._noob._SchedulerBase",
    .tp_basicsize = sizeof(SchedObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The C half of noob_core.Scheduler (use noob_core.Scheduler).",
    .tp_new = sched_new,
    .tp_dealloc = sched_dealloc,
    .tp_getset = sched_getset,
    .tp_methods = sched_methods,
};

/* ================================ module ================================ */

static PyObject *setup(PyObject *m, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"epoch_type", "check", "node_ids", "names", "signal_ids", "intern_node", "name_of",
                             "key", "u32", "coerce_epoch", "node_id", "item_id", "bool_", NULL};
    PyObject *v[13];
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!OO!O!O!OOOOOOOO:setup", kwlist, &PyType_Type, &v[0], &v[1],
                                     &PyDict_Type, &v[2], &PyDict_Type, &v[3], &PyDict_Type, &v[4], &v[5], &v[6],
                                     &v[7], &v[8], &v[9], &v[10], &v[11], &v[12]))
        return NULL;
    PyTypeObject *t = (PyTypeObject *)v[0];
    if (!PyType_IsSubtype(t, &EpochBaseType) || t->tp_basicsize != EpochBaseType.tp_basicsize) {
        PyErr_SetString(PyExc_TypeError, "epoch_type must be a slot-less subclass of _EpochBase");
        return NULL;
    }
    PyObject **slots[] = {(PyObject **)&EpochType, &check_fn, &node_ids, &names, &signal_ids, &intern_fn, &name_of_fn,
                          &key_fn, &u32_fn, &coerce_fn, &node_id_fn, &item_id_fn, &bool_fn};
    for (int i = 0; i < 13; i++) Py_XSETREF(*slots[i], Py_NewRef(v[i]));
    Py_RETURN_NONE;
}

/* from_key(words): an Epoch from its word tuple (decoding helpers; unchecked order). */
static PyObject *from_key(PyObject *m, PyObject *key) {
    if (!ready()) return NULL;
    return epoch_from_key_tuple(EpochType, key);
}

static PyMethodDef module_methods[] = {
    {"setup", (PyCFunction)(void (*)(void))setup, METH_VARARGS | METH_KEYWORDS, "Register the Python helpers."},
    {"from_key", from_key, METH_O, "An Epoch from its words (root, node id, index, ...)."},
    {NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "noob_core._noob", NULL, -1, module_methods};

PyMODINIT_FUNC PyInit__noob(void) {
    if (PyType_Ready(&EpochBaseType) < 0 || PyType_Ready(&SchedBaseType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "_EpochBase", (PyObject *)&EpochBaseType) < 0 ||
        PyModule_AddObjectRef(m, "_SchedulerBase", (PyObject *)&SchedBaseType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
