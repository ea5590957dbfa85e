/* noob_core._sched: the FastScheduler's hot paths, calling the scheduler ABI directly.
 *
 * Why C and not cffi: a cffi call costs 150-320 ns here (the GIL is released and
 * retaken, one cdata per argument), several times the library's own work for one
 * node. This module is linked to libnoob_core (setup.py `linked_extension`) and
 * calls it with the GIL held for the short calls, so a per-node mark costs one
 * method call, one hash-table lookup (none for the nodes of the latest batch marked
 * in order) and one library call. Names <-> ids are converted here: `names` (a tuple
 * of the user's own str objects, by id) and `index` (a hash table str -> id, see
 * Table), so results are the very str objects the graph was built from.
 *
 * Two things live here:
 *
 * * `Drive._build(graph, nodes, is_mapping)`: interns every name of a {node: [deps]}
 *   mapping or a list of (from, to) edges (plus `nodes`) through `index`, fills one
 *   NUL-separated name text and one array of id pairs, and makes the graph with
 *   `noob_graph_builder_add_nodes` + `_add_edges` + `_build` (the GIL released
 *   around them for large graphs), then the scheduler. Returns the graph's
 *   address for the Python side's cffi handle (queries and run()).
 * * `Drive`, the base class of FastScheduler: owns one `noob_scheduler` and
 *   implements the drive calls (get_ready, mark_done, mark_completed,
 *   mark_done_many, done, is_done, is_active, reset, counts).
 *
 * Thread safety: a `busy` word (only read and written with the GIL held) marks a
 * drive call in progress on the scheduler; a call from another thread waits (the
 * GIL released while it waits) until it is clear, so the native run state has one
 * user at a time. Short calls hold the GIL throughout, so they never wait on each
 * other; big batches release the GIL around the library call. No Python code runs
 * while a call holds the drive (lookups use str's own hash and compare the text;
 * repr() for an error message comes after), so a call never meets its own thread's
 * busy word; if it ever did (a finalizer run by an allocation) it raises
 * RuntimeError instead of waiting for itself.
 *
 * Errors: the library's codes are raised through `exceptions.error_for` (which
 * reads this thread's detail message); the classes for the Python-side errors are
 * given once by `configure()`.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include "noob_core.h"

/* Set once by configure(). */
static PyObject *error_for;        /* code -> exception instance */
static PyObject *UnknownNodeError; /* (message, code) */
static PyObject *ClosedError;      /* (message) */
static PyObject *InvalidArgument;  /* (message) */

/* Batches of at least this many nodes release the GIL around the library call. */
#define RELEASE_GIL_BATCH 4096
/* Graphs of at least this many nodes + edges release the GIL around the native build. */
#define RELEASE_GIL_BUILD 8192

static int configured(void) {
    if (error_for == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "noob_core._sched is not configured");
        return 0;
    }
    return 1;
}

/* Raises the exception of the library's failed call `code` (this thread's detail). */
static void raise_code(noob_result code) {
    PyObject *error = PyObject_CallFunction(error_for, "I", (unsigned int)code);
    if (error == NULL) return;
    PyErr_SetObject((PyObject *)Py_TYPE(error), error);
    Py_DECREF(error);
}

static void raise_closed(void) { PyErr_SetString(ClosedError, "the scheduler is closed"); }

static void raise_unknown(PyObject *node) {
    PyObject *message = PyUnicode_FromFormat("unknown node %R", node);
    if (message == NULL) return;
    PyObject *error = PyObject_CallFunction(UnknownNodeError, "OI", message, (unsigned int)NOOB_ERR_UNKNOWN_NODE);
    Py_DECREF(message);
    if (error == NULL) return;
    PyErr_SetObject((PyObject *)Py_TYPE(error), error);
    Py_DECREF(error);
}

/* ------------------------------------------------------------------------- names */

/* A hash table str -> id: open addressing, linear probing, at most half full. Keys
 * are borrowed from the names list/tuple (which holds them). Lookups use str's own
 * hash and compare the text (never a user __hash__ or __eq__: a str subclass is
 * looked up by its text), so they run no Python code. One 16-byte slot per probe:
 * at a million names this is one cache miss where CPython's dict takes three (index,
 * entry, key), and it needs no int object per id. */
typedef struct {
    PyObject *key; /* NULL: empty */
    uint32_t hash; /* the low 32 bits of the key's hash */
    uint32_t id;
} Slot;

typedef struct {
    Slot *slots;
    size_t mask; /* capacity - 1 (a power of two), or 0 with slots NULL */
    size_t used;
} Table;

static inline Py_hash_t str_hash(PyObject *text) {
    return PyUnicode_Type.tp_hash(text); /* str's hash, cached in the object */
}

static inline int same_text(PyObject *a, PyObject *b) {
    Py_ssize_t len = PyUnicode_GET_LENGTH(a);
    int kind = PyUnicode_KIND(a);
    /* Equal strs have the same (smallest) kind in CPython's compact representation. */
    return len == PyUnicode_GET_LENGTH(b) && kind == (int)PyUnicode_KIND(b) &&
           memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), (size_t)len * (size_t)kind) == 0;
}

/* The id of the str `text` (hash `hash`), or -1 if absent. */
static inline long table_find(const Table *t, PyObject *text, Py_hash_t hash) {
    if (t->slots == NULL) return -1;
    uint32_t h = (uint32_t)hash;
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
        const Slot *slot = &t->slots[i];
        if (slot->key == NULL) return -1;
        if (slot->hash == h && (slot->key == text || same_text(slot->key, text))) return (long)slot->id;
    }
}

static int table_grow(Table *t) {
    size_t cap = t->slots ? (t->mask + 1) * 2 : 64;
    if (cap > (size_t)PY_SSIZE_T_MAX / sizeof(Slot)) {
        PyErr_NoMemory();
        return -1;
    }
    Slot *slots = PyMem_Calloc(cap, sizeof(Slot));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    size_t mask = cap - 1;
    if (t->slots != NULL) {
        for (size_t j = 0; j <= t->mask; j++) {
            Slot old = t->slots[j];
            if (old.key == NULL) continue;
            size_t i = old.hash & mask;
            while (slots[i].key != NULL) i = (i + 1) & mask;
            slots[i] = old;
        }
        PyMem_Free(t->slots);
    }
    t->slots = slots;
    t->mask = mask;
    return 0;
}

/* Adds `text` (absent, borrowed: kept alive by the caller) with `id`. */
static int table_add(Table *t, PyObject *text, Py_hash_t hash, uint32_t id) {
    if (t->slots == NULL || (t->used + 1) * 2 > t->mask + 1) {
        if (table_grow(t) < 0) return -1;
    }
    uint32_t h = (uint32_t)hash;
    size_t i = h & t->mask;
    while (t->slots[i].key != NULL) i = (i + 1) & t->mask;
    t->slots[i] = (Slot){text, h, id};
    t->used++;
    return 0;
}

/* ------------------------------------------------------------------------- build */

typedef struct {
    PyObject *names; /* list of str, by id */
    Table index;     /* str -> id, keys in `names` */
    char *text;      /* the names, each followed by a NUL */
    size_t text_len, text_cap;
    uint32_t *pairs; /* from, to, from, to, ... */
    size_t pair_len, pair_cap; /* in uint32 entries */
    /* The latest name seen at each end of an edge (strong refs) and its id: edge
     * lists often repeat one end (a node's dependencies, a fan-out), and an
     * identity check saves the table lookup, a cache miss or two at a million
     * names. */
    PyObject *recent[2];
    long recent_id[2];
} Interner;

static int grow(void **buffer, size_t *cap, size_t need, size_t item) {
    if (need <= *cap) return 0;
    size_t cap2 = *cap ? *cap : 1024;
    while (cap2 < need) {
        if (cap2 > ((size_t)PY_SSIZE_T_MAX / item) / 2) {
            PyErr_NoMemory();
            return -1;
        }
        cap2 *= 2;
    }
    void *grown = PyMem_Realloc(*buffer, cap2 * item);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *buffer = grown;
    *cap = cap2;
    return 0;
}

/* The id of `name`, added if new. -1 with an exception on bad input. */
static long intern_name(Interner *in, PyObject *name) {
    PyObject *key;
    Py_hash_t hash;
    if (PyUnicode_CheckExact(name)) {
        if (PyUnicode_READY(name) < 0) return -1;
        hash = str_hash(name);
        long found = table_find(&in->index, name, hash);
        if (found >= 0) return found;
        key = Py_NewRef(name);
    } else if (PyUnicode_Check(name)) {
        /* A str subclass: its text, as a plain str (no user __hash__/__eq__ involved). */
        key = PyUnicode_FromObject(name);
        if (key == NULL) return -1;
        hash = str_hash(key);
        long found = table_find(&in->index, key, hash);
        if (found >= 0) {
            Py_DECREF(key);
            return found;
        }
    } else {
        PyErr_Format(PyExc_TypeError, "node names must be str, got %s: %R", Py_TYPE(name)->tp_name, name);
        return -1;
    }
    /* A new name: check it, append its UTF-8 and a NUL to the text. */
    PyObject *encoded = NULL;
    Py_ssize_t size;
    const char *utf8 = PyUnicode_AsUTF8AndSize(key, &size);
    if (utf8 == NULL) {
        /* Lone surrogates: passed on as bytes, which the library refuses as invalid
         * UTF-8 (NOOB_ERR_INVALID_UTF8 with the offset), as the cffi path did. */
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) goto fail;
        PyErr_Clear();
        encoded = PyUnicode_AsEncodedString(key, "utf-8", "surrogatepass");
        if (encoded == NULL) goto fail;
        utf8 = PyBytes_AS_STRING(encoded);
        size = PyBytes_GET_SIZE(encoded);
    }
    if (size == 0) {
        PyErr_SetString(InvalidArgument, "a node name is empty");
        goto fail;
    }
    if (memchr(utf8, 0, (size_t)size) != NULL) {
        PyErr_Format(InvalidArgument, "node name %R contains a NUL character", key);
        goto fail;
    }
    if (grow((void **)&in->text, &in->text_cap, in->text_len + (size_t)size + 1, 1) < 0) goto fail;
    memcpy(in->text + in->text_len, utf8, (size_t)size);
    in->text_len += (size_t)size;
    in->text[in->text_len++] = '\0';
    Py_XDECREF(encoded);
    encoded = NULL;
    Py_ssize_t id = PyList_GET_SIZE(in->names);
    if (id >= (Py_ssize_t)UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "too many nodes");
        goto fail;
    }
    if (PyList_Append(in->names, key) < 0) goto fail;
    Py_DECREF(key); /* held by `names` from here on */
    if (table_add(&in->index, key, hash, (uint32_t)id) < 0) return -1; /* the list is dropped */
    return (long)id;
fail:
    Py_XDECREF(encoded);
    Py_DECREF(key);
    return -1;
}

static int add_pair(Interner *in, long from, long to) {
    if (grow((void **)&in->pairs, &in->pair_cap, in->pair_len + 2, sizeof(uint32_t)) < 0) return -1;
    in->pairs[in->pair_len++] = (uint32_t)from;
    in->pairs[in->pair_len++] = (uint32_t)to;
    return 0;
}

/* Prefetching: at a million names a lookup is a chain of cache misses (the edge
 * tuple, its strings, the table slot); items ahead are touched in stages so their
 * misses overlap. Hints only: nothing here changes state (a str caches its own hash). */
#define AHEAD 12

static inline void warm_name(const Interner *in, PyObject *name) {
    if (PyUnicode_CheckExact(name) && PyUnicode_IS_READY(name) && in->index.slots != NULL) {
        __builtin_prefetch(&in->index.slots[(uint32_t)str_hash(name) & in->index.mask]);
    }
}

/* The names of a list or tuple; with `to` >= 0 each is also a dependency of `to`.
 * Each item is held while it is interned and a list's size re-read each time: user
 * code run by a finalizer (an allocation can collect garbage) could change a list. */
static int intern_items(Interner *in, PyObject *seq, long to) {
    for (Py_ssize_t i = 0; i < Py_SIZE(seq); i++) {
        PyObject **items = PySequence_Fast_ITEMS(seq);
        Py_ssize_t n = Py_SIZE(seq);
        if (i + AHEAD / 2 < n) __builtin_prefetch(items[i + AHEAD / 2]);
        if (i + AHEAD / 4 < n) warm_name(in, items[i + AHEAD / 4]);
        PyObject *item = Py_NewRef(items[i]);
        long id = intern_name(in, item);
        Py_DECREF(item);
        if (id < 0 || (to >= 0 && add_pair(in, id, to) < 0)) return -1;
    }
    return 0;
}

/* Every name of an iterable (`nodes=`). */
static int intern_all(Interner *in, PyObject *iterable) {
    PyObject *seq = (PyList_CheckExact(iterable) || PyTuple_CheckExact(iterable)) ? Py_NewRef(iterable)
                                                                                   : PySequence_List(iterable);
    if (seq == NULL) return -1;
    int rc = intern_items(in, seq, -1);
    Py_DECREF(seq);
    return rc;
}

/* One key of the mapping and its dependencies. */
static int intern_group(Interner *in, PyObject *node, PyObject *deps) {
    long to = intern_name(in, node);
    if (to < 0) return -1;
    PyObject *seq;
    if (PyList_CheckExact(deps) || PyTuple_CheckExact(deps)) {
        seq = Py_NewRef(deps);
    } else if (PyUnicode_Check(deps) || PyBytes_Check(deps)) { /* {"b": "ac"}: not deps a and c */
        PyErr_Format(PyExc_TypeError, "the dependencies of %R must be a list of names, not %s", node,
                     Py_TYPE(deps)->tp_name);
        return -1;
    } else {
        seq = PySequence_List(deps);
        if (seq == NULL) return -1;
    }
    int rc = intern_items(in, seq, to);
    Py_DECREF(seq);
    return rc;
}

static int intern_mapping(Interner *in, PyObject *mapping) {
    if (PyDict_CheckExact(mapping)) {
        Py_ssize_t pos = 0, ahead_pos = 0;
        PyObject *key, *value, *ahead_key, *ahead_value;
        /* A second cursor a few entries ahead warms the table slots of their names
         * (the groups are short, so intern_items' own look-ahead rarely reaches past
         * one). Hints only: a dict changed meanwhile just makes them useless. */
        for (int i = 0; i < AHEAD / 4 && PyDict_Next(mapping, &ahead_pos, &ahead_key, &ahead_value); i++) {
        }
        while (PyDict_Next(mapping, &pos, &key, &value)) {
            if (PyDict_Next(mapping, &ahead_pos, &ahead_key, &ahead_value)) {
                warm_name(in, ahead_key);
                if (PyList_CheckExact(ahead_value) || PyTuple_CheckExact(ahead_value)) {
                    PyObject **deps = PySequence_Fast_ITEMS(ahead_value);
                    for (Py_ssize_t d = 0; d < Py_SIZE(ahead_value) && d < 4; d++) warm_name(in, deps[d]);
                }
            }
            Py_INCREF(key);
            Py_INCREF(value);
            int rc = intern_group(in, key, value);
            Py_DECREF(key);
            Py_DECREF(value);
            if (rc < 0) return -1;
        }
        return 0;
    }
    PyObject *items = PyMapping_Items(mapping);
    if (items == NULL) return -1;
    Py_ssize_t n = PyList_GET_SIZE(items);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(items, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
            PyErr_SetString(PyExc_TypeError, "the mapping's items() must be (node, dependencies) pairs");
            Py_DECREF(items);
            return -1;
        }
        if (intern_group(in, PyTuple_GET_ITEM(item, 0), PyTuple_GET_ITEM(item, 1)) < 0) {
            Py_DECREF(items);
            return -1;
        }
    }
    Py_DECREF(items);
    return 0;
}

static int intern_edge(Interner *in, PyObject *edge) {
    PyObject *pair;
    if ((PyTuple_CheckExact(edge) || PyList_CheckExact(edge)) && Py_SIZE(edge) == 2) {
        pair = PySequence_Tuple(edge); /* owns both ends for the duration */
    } else {
        /* As before: anything with len() 2 whose iteration gives the two ends. */
        Py_ssize_t len = (PyUnicode_Check(edge) || PySequence_Check(edge) || PyMapping_Check(edge))
                             ? PyObject_Length(edge)
                             : -1;
        if (len != 2) {
            PyErr_Clear();
            PyErr_SetString(PyExc_TypeError, "edges must be (from_node, to_node) pairs");
            return -1;
        }
        pair = PySequence_Tuple(edge);
        if (pair != NULL && PyTuple_GET_SIZE(pair) != 2) {
            Py_DECREF(pair);
            PyErr_SetString(PyExc_TypeError, "edges must be (from_node, to_node) pairs");
            return -1;
        }
    }
    if (pair == NULL) return -1;
    long ends[2] = {-1, -1};
    for (int e = 0; e < 2; e++) {
        PyObject *name = PyTuple_GET_ITEM(pair, e);
        if (name == in->recent[e] || name == in->recent[1 - e]) { /* also a chain's to -> next from */
            ends[e] = in->recent_id[name == in->recent[e] ? e : 1 - e];
            continue;
        }
        ends[e] = intern_name(in, name);
        if (ends[e] < 0) break;
        Py_XSETREF(in->recent[e], Py_NewRef(name));
        in->recent_id[e] = ends[e];
    }
    long from = ends[0], to = ends[1];
    Py_DECREF(pair);
    if (to < 0) return -1;
    return add_pair(in, from, to);
}

static inline void warm_edge(const Interner *in, PyObject *edge, int stage) {
    if (!PyTuple_CheckExact(edge) || PyTuple_GET_SIZE(edge) != 2) return;
    for (int e = 0; e < 2; e++) {
        PyObject *name = PyTuple_GET_ITEM(edge, e);
        if (stage == 1) {
            __builtin_prefetch(name);
        } else {
            warm_name(in, name);
        }
    }
}

static int intern_edges(Interner *in, PyObject *edges) {
    PyObject *seq = PySequence_Fast(edges, "graph must be a {node: [dependencies]} mapping or a list of (from, to) edges");
    if (seq == NULL) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i + AHEAD < n) __builtin_prefetch(PySequence_Fast_GET_ITEM(seq, i + AHEAD));
        if (i + 2 * AHEAD / 3 < n) warm_edge(in, PySequence_Fast_GET_ITEM(seq, i + 2 * AHEAD / 3), 1);
        if (i + AHEAD / 3 < n) warm_edge(in, PySequence_Fast_GET_ITEM(seq, i + AHEAD / 3), 2);
        PyObject *edge = PySequence_Fast_GET_ITEM(seq, i);
        Py_INCREF(edge); /* a list we were given may be changed by user code */
        int rc = intern_edge(in, edge);
        Py_DECREF(edge);
        if (rc < 0) {
            Py_DECREF(seq);
            return -1;
        }
        n = PySequence_Fast_GET_SIZE(seq);
    }
    Py_DECREF(seq);
    return 0;
}

/* Sets the exception of a failed build; a CycleError gets `nodes`. */
static void raise_build_error(noob_result code, noob_graph_builder *builder, PyObject *names) {
    raise_code(code);
    if (code != NOOB_ERR_CYCLE || !PyErr_Occurred()) return;
    const uint32_t *ids = NULL;
    size_t count = 0;
    if (noob_graph_builder_cycle(builder, &ids, &count) != NOOB_OK) return;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *cycle = PyList_New((Py_ssize_t)count);
    if (cycle != NULL) {
        for (size_t i = 0; i < count; i++) {
            PyObject *name = ids[i] < (size_t)PyList_GET_SIZE(names) ? PyList_GET_ITEM(names, ids[i]) : Py_None;
            PyList_SET_ITEM(cycle, (Py_ssize_t)i, Py_NewRef(name));
        }
        if (PyObject_SetAttrString(value, "nodes", cycle) < 0) PyErr_Clear();
        Py_DECREF(cycle);
    } else {
        PyErr_Clear();
    }
    PyErr_Restore(type, value, tb);
}

/* Interns every name and makes the graph: *graph_out, *names_out (list), *index_out
 * (its keys in the list) on success (0); -1 with an exception. */
static int make_graph(PyObject *graph, PyObject *nodes, int is_mapping, noob_graph **graph_out,
                      PyObject **names_out, Table *index_out) {
    Interner in = {0};
    noob_graph_builder *builder = NULL;
    noob_graph *built = NULL;
    int rc = -1;
    in.names = PyList_New(0);
    if (in.names == NULL) goto done;
    if (nodes != Py_None && intern_all(&in, nodes) < 0) goto done;
    if (is_mapping ? intern_mapping(&in, graph) < 0 : intern_edges(&in, graph) < 0) goto done;

    size_t node_count = (size_t)PyList_GET_SIZE(in.names);
    size_t pair_count = in.pair_len / 2;
    noob_result code = noob_graph_builder_new(&builder);
    if (code != NOOB_OK) {
        raise_code(code);
        goto done;
    }
    int release = node_count + pair_count >= RELEASE_GIL_BUILD;
    PyThreadState *state = release ? PyEval_SaveThread() : NULL;
    /* Only our buffers and the builder from here to PyEval_RestoreThread. */
    code = noob_graph_builder_reserve(builder, node_count, pair_count);
    if (code == NOOB_OK) code = noob_graph_builder_add_nodes(builder, in.text, in.text_len, NULL, 0, NULL);
    if (code == NOOB_OK) code = noob_graph_builder_add_edges(builder, in.pairs, pair_count);
    if (code == NOOB_OK) code = noob_graph_builder_build(builder, &built);
    if (release) PyEval_RestoreThread(state);
    if (code != NOOB_OK) {
        raise_build_error(code, builder, in.names);
        goto done;
    }
    *graph_out = built;
    *names_out = Py_NewRef(in.names);
    *index_out = in.index;
    in.index = (Table){0};
    rc = 0;
done:
    noob_graph_builder_free(builder);
    Py_XDECREF(in.recent[0]);
    Py_XDECREF(in.recent[1]);
    PyMem_Free(in.text);
    PyMem_Free(in.pairs);
    PyMem_Free(in.index.slots);
    Py_XDECREF(in.names);
    return rc;
}

/* ------------------------------------------------------------------------- Drive */

typedef struct {
    PyObject_HEAD
    noob_scheduler *sched; /* NULL before _start and after _close */
    PyObject *names;       /* tuple of str by id */
    Table index;           /* str -> id, keys in `names` */
    PyObject *last;        /* the latest get_ready() tuple, its ids in `ready` */
    const noob_scheduler_view *view; /* the run's live view (the newly ready nodes) */
    Py_ssize_t n;
    Py_ssize_t remaining; /* nodes not marked done in this run */
    Py_ssize_t cursor;    /* where in `last` the next per-node mark is expected */
    uint32_t *in;         /* n ids (at least 1): a batch looked up by name */
    uint32_t *ready;      /* n ids: the latest get_ready batch */
    unsigned long busy;   /* thread ident of the drive call in progress, 0 if none */
} Drive;

/* Takes the drive for this thread: waits (GIL released) while another thread's
 * call is in progress. 0, or -1 with an exception. */
static int take(Drive *self) {
    if (self->busy) {
        unsigned long me = PyThread_get_thread_ident();
        while (self->busy) {
            if (self->busy == me) {
                PyErr_SetString(PyExc_RuntimeError,
                                "FastScheduler: re-entrant drive call (from a finalizer during another "
                                "call on the same scheduler)");
                return -1;
            }
            Py_BEGIN_ALLOW_THREADS sched_yield();
            Py_END_ALLOW_THREADS
        }
    }
    if (self->sched == NULL) {
        raise_closed();
        return -1;
    }
    self->busy = PyThread_get_thread_ident();
    return 0;
}

static inline void give(Drive *self) { self->busy = 0; }

/* The ids of `count` nodes as a tuple of their names. */
static PyObject *names_tuple(Drive *self, const uint32_t *ids, size_t count) {
    PyObject *tuple = PyTuple_New((Py_ssize_t)count);
    if (tuple == NULL) return NULL;
    for (size_t i = 0; i < count; i++) {
        PyObject *name = PyTuple_GET_ITEM(self->names, ids[i]);
        Py_INCREF(name);
        PyTuple_SET_ITEM(tuple, (Py_ssize_t)i, name);
    }
    return tuple;
}

/* The id of the str `node`, or -1 if it is not a node (or not a str): no exception
 * set, no Python code run. */
static inline long find_id(Drive *self, PyObject *node) {
    if (!PyUnicode_Check(node) || PyUnicode_READY(node) < 0) {
        PyErr_Clear();
        return -1;
    }
    return table_find(&self->index, node, str_hash(node));
}

static int Drive_init(PyObject *self, PyObject *args, PyObject *kwargs) { return 0; }

static void Drive_dealloc(Drive *self) {
    if (self->sched != NULL) noob_scheduler_free(self->sched);
    PyMem_Free(self->in);
    PyMem_Free(self->ready);
    Py_XDECREF(self->names);
    PyMem_Free(self->index.slots);
    Py_XDECREF(self->last);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* _build(graph, nodes, is_mapping) -> graph address: makes the graph (see the
 * module comment) and this object's scheduler of it. The caller owns the graph
 * (noob_graph_free); the scheduler shares it. */
static PyObject *Drive_build(Drive *self, PyObject *args) {
    PyObject *graph_arg, *nodes;
    int is_mapping;
    if (!PyArg_ParseTuple(args, "OOp:_build", &graph_arg, &nodes, &is_mapping)) return NULL;
    if (!configured()) return NULL;
    if (self->names != NULL || self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "the scheduler is already built");
        return NULL;
    }
    noob_graph *graph = NULL;
    PyObject *names = NULL, *by_id = NULL, *address = NULL;
    Table index = {0};
    noob_scheduler *sched = NULL;
    uint32_t *in = NULL, *ready = NULL;
    const noob_scheduler_view *view = NULL;
    if (make_graph(graph_arg, nodes, is_mapping, &graph, &names, &index) < 0) return NULL;
    size_t n = (size_t)PyList_GET_SIZE(names);
    size_t cap = n ? n : 1;
    in = PyMem_Malloc(cap * sizeof(uint32_t));
    ready = PyMem_Malloc(cap * sizeof(uint32_t));
    if (in == NULL || ready == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    by_id = PyList_AsTuple(names);
    address = PyLong_FromVoidPtr(graph);
    if (by_id == NULL || address == NULL) goto fail;
    noob_result code = noob_scheduler_new(graph, &sched);
    if (code == NOOB_OK) {
        code = noob_scheduler_get_view(sched, &view);
        if (code != NOOB_OK) noob_scheduler_free(sched);
    }
    if (code != NOOB_OK) {
        raise_code(code);
        goto fail;
    }
    if (self->names != NULL) { /* built meanwhile by user code run during interning */
        PyErr_SetString(PyExc_RuntimeError, "the scheduler is already built");
        noob_scheduler_free(sched);
        goto fail;
    }
    self->sched = sched;
    self->view = view;
    self->in = in;
    self->ready = ready;
    self->names = by_id;
    self->index = index; /* its keys are the tuple's items */
    self->n = (Py_ssize_t)n;
    self->remaining = self->n;
    Py_DECREF(names);
    return address;
fail:
    PyMem_Free(in);
    PyMem_Free(ready);
    Py_XDECREF(by_id);
    Py_XDECREF(address);
    Py_DECREF(names);
    PyMem_Free(index.slots);
    noob_graph_free(graph);
    return NULL;
}

/* _close(): frees the run state (waits for a drive call in progress). */
static PyObject *Drive_close(Drive *self, PyObject *unused) {
    if (self->sched == NULL) Py_RETURN_NONE;
    if (take(self) < 0) {
        if (self->sched == NULL) { /* closed while we waited */
            PyErr_Clear();
            Py_RETURN_NONE;
        }
        return NULL;
    }
    noob_scheduler *sched = self->sched;
    self->sched = NULL;
    Py_CLEAR(self->last);
    give(self);
    noob_scheduler_free(sched);
    Py_RETURN_NONE;
}

static PyObject *Drive_get_ready(Drive *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    size_t max = SIZE_MAX;
    PyObject *batch_size = Py_None;
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    if (nargs + nkw > 1) {
        PyErr_SetString(PyExc_TypeError, "get_ready() takes at most 1 argument (batch_size)");
        return NULL;
    }
    if (nargs == 1) {
        batch_size = args[0];
    } else if (nkw == 1) {
        if (!PyUnicode_Check(PyTuple_GET_ITEM(kwnames, 0)) ||
            PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "batch_size") != 0) {
            PyErr_Format(PyExc_TypeError, "get_ready() got an unexpected keyword argument %R",
                         PyTuple_GET_ITEM(kwnames, 0));
            return NULL;
        }
        batch_size = args[0];
    }
    if (batch_size != Py_None) {
        int negative = 1;
        if (PyLong_Check(batch_size)) {
            int overflow;
            long long v = PyLong_AsLongLongAndOverflow(batch_size, &overflow);
            if (v == -1 && PyErr_Occurred()) return NULL;
            negative = overflow < 0 || (overflow == 0 && v < 0);
            if (!negative) max = overflow > 0 || (unsigned long long)v > SIZE_MAX ? SIZE_MAX : (size_t)v;
        }
        if (negative) {
            PyErr_Format(InvalidArgument, "batch_size must be an int >= 0 or None, got %R", batch_size);
            return NULL;
        }
    }
    if (take(self) < 0) return NULL;
    size_t count = 0;
    noob_result code = noob_scheduler_get_ready(self->sched, max, self->ready, (size_t)self->n, &count);
    if (code != NOOB_OK) {
        give(self);
        raise_code(code);
        return NULL;
    }
    PyObject *batch = names_tuple(self, self->ready, count);
    if (batch == NULL) {
        /* The nodes are handed out but lost to the caller: keep their ids usable. */
        Py_CLEAR(self->last);
        give(self);
        return NULL;
    }
    Py_XSETREF(self->last, Py_NewRef(batch));
    self->cursor = 0;
    give(self);
    return batch;
}

/* The nodes the mark-done call just made: the view's queue from `before` on. */
static inline PyObject *newly_ready(Drive *self, size_t before) {
    return names_tuple(self, self->view->queue + before, self->view->queued_end - before);
}

/* Marks one node; want: return the newly ready tuple (else None). */
static PyObject *mark_one(Drive *self, PyObject *node, int want) {
    if (take(self) < 0) return NULL;
    long id;
    PyObject *last = self->last;
    Py_ssize_t c = self->cursor;
    if (last != NULL && c < PyTuple_GET_SIZE(last) && PyTuple_GET_ITEM(last, c) == node) {
        /* The usual loop marks the latest batch in order: the same object is the same
         * name, so its id is at hand (no lookup). */
        id = (long)self->ready[c];
        self->cursor = c + 1;
    } else {
        id = find_id(self, node);
        if (id < 0) {
            give(self);
            raise_unknown(node); /* after give(): repr() may run the node's own code */
            return NULL;
        }
    }
    size_t before = self->view->queued_end;
    noob_result code = noob_scheduler_finish(self->sched, (uint32_t)id);
    if (code != NOOB_OK) {
        give(self);
        raise_code(code);
        return NULL;
    }
    self->remaining -= 1;
    PyObject *result = want ? newly_ready(self, before) : Py_NewRef(Py_None);
    give(self);
    return result;
}

static PyObject *Drive_mark_done(Drive *self, PyObject *node) { return mark_one(self, node, 1); }

static PyObject *Drive_mark_completed(Drive *self, PyObject *node) { return mark_one(self, node, 0); }

/* Marks `k` nodes (items) done; the drive is taken by the caller and given back here. */
static PyObject *mark_batch(Drive *self, PyObject *const *items, Py_ssize_t k, int want) {
    const uint32_t *ids;
    uint32_t *spare = NULL;
    PyObject *last = self->last;
    int same = last != NULL && PyTuple_GET_SIZE(last) == k;
    for (Py_ssize_t i = 0; same && i < k; i++) same = PyTuple_GET_ITEM(last, i) == items[i];
    if (same) {
        ids = self->ready; /* the latest batch handed back: its ids are at hand */
    } else {
        uint32_t *buffer = self->in;
        if (k > self->n) { /* more names than nodes: some repeat, which the library reports */
            spare = PyMem_Malloc((size_t)k * sizeof(uint32_t));
            if (spare == NULL) {
                give(self);
                return PyErr_NoMemory();
            }
            buffer = spare;
        }
        for (Py_ssize_t i = 0; i < k; i++) {
            long id = find_id(self, items[i]);
            if (id < 0) {
                PyMem_Free(spare);
                give(self);
                raise_unknown(items[i]); /* after give(): repr() may run the node's own code */
                return NULL;
            }
            buffer[i] = (uint32_t)id;
        }
        ids = buffer;
    }
    noob_result code;
    noob_scheduler *sched = self->sched;
    size_t before = self->view->queued_end;
    if (k >= RELEASE_GIL_BATCH) {
        Py_BEGIN_ALLOW_THREADS code = noob_scheduler_mark_done_many(sched, ids, (size_t)k, NULL, 0, NULL);
        Py_END_ALLOW_THREADS
    } else {
        code = noob_scheduler_mark_done_many(sched, ids, (size_t)k, NULL, 0, NULL);
    }
    PyMem_Free(spare);
    if (code != NOOB_OK) {
        give(self);
        raise_code(code);
        return NULL;
    }
    self->remaining -= k;
    PyObject *result = want ? newly_ready(self, before) : Py_NewRef(Py_None);
    give(self);
    return result;
}

static PyObject *Drive_mark_done_many(Drive *self, PyObject *nodes) {
    PyObject *seq;
    if (PyTuple_CheckExact(nodes) || PyList_CheckExact(nodes)) {
        seq = Py_NewRef(nodes);
    } else {
        seq = PySequence_List(nodes); /* a generator would be used up by the lookup */
        if (seq == NULL) return NULL;
    }
    if (take(self) < 0) {
        Py_DECREF(seq);
        return NULL;
    }
    /* The items are read while no Python code can run (lookups call none, and nothing
     * is allocated until the ids are resolved), so a list's items are used in place. */
    PyObject *result = mark_batch(self, PySequence_Fast_ITEMS(seq), PySequence_Fast_GET_SIZE(seq), 1);
    Py_DECREF(seq);
    return result;
}

static PyObject *Drive_done(Drive *self, PyObject *const *args, Py_ssize_t nargs) {
    if (take(self) < 0) return NULL;
    return mark_batch(self, args, nargs, 0);
}

static PyObject *Drive_is_done(Drive *self, PyObject *unused) {
    if (self->sched == NULL && !self->busy) {
        raise_closed();
        return NULL;
    }
    return PyBool_FromLong(self->remaining == 0);
}

static PyObject *Drive_is_active(Drive *self, PyObject *unused) {
    if (self->sched == NULL && !self->busy) {
        raise_closed();
        return NULL;
    }
    return PyBool_FromLong(self->remaining != 0);
}

static PyObject *Drive_reset(Drive *self, PyObject *unused) {
    if (take(self) < 0) return NULL;
    Py_CLEAR(self->last);
    noob_result code = noob_scheduler_reset(self->sched);
    if (code != NOOB_OK) {
        give(self);
        raise_code(code);
        return NULL;
    }
    self->remaining = self->n;
    give(self);
    Py_RETURN_NONE;
}

static PyObject *Drive_counts(Drive *self, PyObject *unused) {
    if (take(self) < 0) return NULL;
    noob_scheduler_counts c;
    noob_result code = noob_scheduler_get_counts(self->sched, &c);
    give(self);
    if (code != NOOB_OK) {
        raise_code(code);
        return NULL;
    }
    return Py_BuildValue("{s:n,s:n,s:n,s:n}", "node_count", (Py_ssize_t)c.node_count, "ready", (Py_ssize_t)c.ready,
                         "handed_out", (Py_ssize_t)c.handed_out, "done", (Py_ssize_t)c.done);
}

static PyObject *Drive_get_names(Drive *self, void *unused) {
    return Py_NewRef(self->names != NULL ? self->names : Py_None);
}

/* _id(node) -> the node's id; UnknownNodeError if it is not a node. */
static PyObject *Drive_id(Drive *self, PyObject *node) {
    long id = self->names != NULL ? find_id(self, node) : -1;
    if (id < 0) {
        raise_unknown(node);
        return NULL;
    }
    return PyLong_FromLong(id);
}

/* `node in scheduler`: as a dict's `in`, an unhashable object raises TypeError. */
static int Drive_contains(Drive *self, PyObject *node) {
    if (!PyUnicode_Check(node)) return PyObject_Hash(node) == -1 ? -1 : 0;
    return self->names != NULL && find_id(self, node) >= 0;
}

static PySequenceMethods Drive_as_sequence = {.sq_contains = (objobjproc)Drive_contains};

static PyObject *Drive_get_n(Drive *self, void *unused) { return PyLong_FromSsize_t(self->n); }

static PyObject *Drive_get_started(Drive *self, void *unused) { return PyBool_FromLong(self->sched != NULL); }

static PyGetSetDef Drive_getset[] = {
    {"_names", (getter)Drive_get_names, NULL, "Every node name, by id (the user's own str objects).", NULL},
    {"_n", (getter)Drive_get_n, NULL, "The node count.", NULL},
    {"_drive_open", (getter)Drive_get_started, NULL, "The run state exists (started, not closed).", NULL},
    {NULL},
};

#define DOC_GET_READY "Hand out the ready nodes (at most ``batch_size``) in ready order; () if none."
#define DOC_IS_DONE "Every node marked done (true at once for an empty graph)."

static PyMethodDef Drive_methods[] = {
    {"_build", (PyCFunction)Drive_build, METH_VARARGS, "_build(graph, nodes, is_mapping) -> graph address"},
    {"_close_drive", (PyCFunction)Drive_close, METH_NOARGS, "Free the run state."},
    {"_id", (PyCFunction)Drive_id, METH_O, "The id of ``node``; UnknownNodeError if it is not a node."},
    {"get_ready", (PyCFunction)(void (*)(void))Drive_get_ready, METH_FASTCALL | METH_KEYWORDS, DOC_GET_READY},
    {"get_ready_nodes", (PyCFunction)(void (*)(void))Drive_get_ready, METH_FASTCALL | METH_KEYWORDS,
     "The seed's name of ``get_ready``."},
    {"mark_done", (PyCFunction)Drive_mark_done, METH_O,
     "Mark the handed-out ``node`` done; returns the nodes it made ready."},
    {"mark_completed", (PyCFunction)Drive_mark_completed, METH_O,
     "Mark the handed-out ``node`` done (the seed's call; returns nothing)."},
    {"mark_done_many", (PyCFunction)Drive_mark_done_many, METH_O,
     "Mark a batch of handed-out nodes done in one call; returns every node they made ready. If any "
     "cannot be marked, none is, and the error names the first. Handing back the tuple the latest "
     "``get_ready()`` returned skips looking its names up."},
    {"done", (PyCFunction)(void (*)(void))Drive_done, METH_FASTCALL,
     "graphlib's ``done(*nodes)``: mark the handed-out ``nodes`` done, returning nothing."},
    {"is_done", (PyCFunction)Drive_is_done, METH_NOARGS, DOC_IS_DONE},
    {"is_complete", (PyCFunction)Drive_is_done, METH_NOARGS, "The seed's name of ``is_done``."},
    {"is_active", (PyCFunction)Drive_is_active, METH_NOARGS, "``not is_done()`` (graphlib's spelling)."},
    {"reset", (PyCFunction)Drive_reset, METH_NOARGS, "Start the run over: nothing done, the sources ready."},
    {"counts", (PyCFunction)Drive_counts, METH_NOARGS,
     "``{\"node_count\", \"ready\", \"handed_out\", \"done\"}`` of the current run."},
    {NULL},
};

static PyTypeObject DriveType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "noob_core._sched.Drive",
    .tp_basicsize = sizeof(Drive),
    .tp_dealloc = (destructor)Drive_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The drive calls of a FastScheduler (its base class).",
    .tp_methods = Drive_methods,
    .tp_getset = Drive_getset,
    .tp_as_sequence = &Drive_as_sequence,
    .tp_init = Drive_init,
    .tp_new = PyType_GenericNew,
};

/* configure(error_for, UnknownNodeError, SchedulerClosedError, InvalidArgumentError) */
static PyObject *configure(PyObject *module, PyObject *args) {
    PyObject *e, *u, *c, *i;
    if (!PyArg_ParseTuple(args, "OOOO:configure", &e, &u, &c, &i)) return NULL;
    Py_XSETREF(error_for, Py_NewRef(e));
    Py_XSETREF(UnknownNodeError, Py_NewRef(u));
    Py_XSETREF(ClosedError, Py_NewRef(c));
    Py_XSETREF(InvalidArgument, Py_NewRef(i));
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS, "configure(error_for, UnknownNodeError, SchedulerClosedError, InvalidArgumentError)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "noob_core._sched", NULL, -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__sched(void) {
    if (PyType_Ready(&DriveType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "Drive", (PyObject *)&DriveType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
