/* noob_core._events: FastEvent tuples from the library's event views, and the
 * store's single get as one call.
 *
 * Why C and not cffi: a get returns Python objects, and building them through cffi
 * (one cdata per struct and field, one buffer object per value) costs about 1 µs an
 * event, more than the store's own work; a cffi call alone costs 150-320 ns.
 *
 * This module is linked to libnoob_core (setup.py: linked_extension):
 *
 * - `StoreBase`, the base class of FastEventStore, whose `get_events` is one C
 *   call holding the GIL: name -> id through the store's dict, the library's
 *   get refilling the store's own list (no allocation for one event), the
 *   FastEvents built from its views before returning. The GIL is held for the
 *   whole call, so the list is never used by two threads at once (and the call is
 *   short: one lookup under a shard's read lock). Its `add_event` is one C call
 *   too, holding the GIL unless the value is long (16 KiB or more), and `_add_many`
 *   is the fast path of `add_events` (one add_batch call, GIL released).
 * - `events` and `grouped` read the views of a list that a cffi call (made just
 *   before on the same thread, GIL released) filled: the caller passes the
 *   addresses of the per-thread output cells of noob_event_list_views
 *   (`const noob_event_view **` and `size_t *`), so the views are live while we read.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <time.h>
#include <stdint.h>

#include "noob_core.h"

static PyTypeObject *FastEventType; /* set once by setup() */
static PyObject *ErrorFor;          /* exceptions.error_for: code -> exception (set by setup()) */

static int read_cells(PyObject *views_cell, PyObject *len_cell, const noob_event_view **views, size_t *len) {
    void *vp = PyLong_AsVoidPtr(views_cell);
    void *lp = PyLong_AsVoidPtr(len_cell);
    if ((vp == NULL || lp == NULL) && PyErr_Occurred()) return -1;
    if (vp == NULL || lp == NULL) {
        PyErr_SetString(PyExc_ValueError, "NULL output cell");
        return -1;
    }
    *views = *(const noob_event_view *const *)vp;
    *len = *(const size_t *)lp;
    return 0;
}

/* A name for interned id `id`: from `names` (dict id -> str) if given and present,
 * else decoded from the view (and remembered in `names`). New reference. */
static PyObject *name_of(PyObject *names, uint32_t id, const char *text, size_t len) {
    if (names != Py_None) {
        PyObject *key = PyLong_FromUnsignedLong(id);
        if (key == NULL) return NULL;
        PyObject *found = PyDict_GetItemWithError(names, key);
        if (found != NULL) {
            Py_DECREF(key);
            Py_INCREF(found);
            return found;
        }
        if (PyErr_Occurred()) {
            Py_DECREF(key);
            return NULL;
        }
        PyObject *decoded = PyUnicode_DecodeUTF8(text, (Py_ssize_t)len, "strict");
        if (decoded != NULL && PyDict_SetItem(names, key, decoded) < 0) Py_CLEAR(decoded);
        Py_DECREF(key);
        return decoded;
    }
    return PyUnicode_DecodeUTF8(text, (Py_ssize_t)len, "strict");
}

/* One FastEvent; `node`/`signal`/`epoch` are borrowed (NULL: look the name up,
 * make the int). */
static PyObject *make_event(const noob_event_view *v, PyObject *node, PyObject *signal, PyObject *epoch,
                            PyObject *names) {
    PyObject *ev = FastEventType->tp_alloc(FastEventType, 6);
    if (ev == NULL) return NULL;
    PyObject *items[6];
    items[0] = PyLong_FromUnsignedLongLong(v->id);
    if (node != NULL) {
        Py_INCREF(node);
        items[1] = node;
    } else {
        items[1] = name_of(names, v->node, v->node_name, v->node_name_len);
    }
    if (signal != NULL) {
        Py_INCREF(signal);
        items[2] = signal;
    } else {
        items[2] = name_of(names, v->signal, v->signal_name, v->signal_name_len);
    }
    if (epoch != NULL) {
        Py_INCREF(epoch);
        items[3] = epoch;
    } else {
        items[3] = PyLong_FromUnsignedLongLong(v->epoch);
    }
    items[4] = PyFloat_FromDouble(v->timestamp);
    items[5] = PyBytes_FromStringAndSize((const char *)v->value, (Py_ssize_t)v->value_len);
    int failed = 0;
    for (int i = 0; i < 6; i++) {
        if (items[i] == NULL) failed = 1;
        PyTuple_SET_ITEM(ev, i, items[i]); /* NULL items are fine for the dealloc */
    }
    if (failed) {
        Py_DECREF(ev);
        return NULL;
    }
    /* Its items (int, str, float, bytes) cannot form a cycle: keep the collector from
     * walking it (CPython does the same for plain tuples, but not for subclasses). */
    if (PyObject_GC_IsTracked(ev)) PyObject_GC_UnTrack(ev);
    return ev;
}

/* A new list of the `n` events at `views`, each made by make_event_with. */
static PyObject *make_events(const noob_event_view *views, size_t n, PyObject *node, PyObject *signal,
                             PyObject *epoch, PyObject *names) {
    PyObject *list = PyList_New((Py_ssize_t)n);
    if (list == NULL) return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *ev = make_event(&views[i], node, signal, epoch, names);
        if (ev == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, ev);
    }
    return list;
}

/* setup(FastEvent, error_for): the tuple subclass to build, and the function that
 * turns a failed call's code into the exception to raise (it reads this thread's
 * detail message, so it is called right after the failing call). */
static PyObject *setup(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "setup expects 2 arguments");
        return NULL;
    }
    PyObject *type = args[0];
    if (!PyType_Check(type) || !PyType_IsSubtype((PyTypeObject *)type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "setup expects a tuple subclass");
        return NULL;
    }
    if (!PyCallable_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "setup expects a callable error_for");
        return NULL;
    }
    Py_INCREF(type);
    Py_XSETREF(FastEventType, (PyTypeObject *)type);
    Py_INCREF(args[1]);
    Py_XSETREF(ErrorFor, args[1]);
    Py_RETURN_NONE;
}

/* Raises the exception error_for(code) gives. Returns NULL. */
static PyObject *raise_code(noob_result code) {
    PyObject *exc = PyObject_CallFunction(ErrorFor, "I", (unsigned int)code);
    if (exc == NULL) return NULL;
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return NULL;
}

/* events(views_cell, len_cell, node, signal, names) -> list[FastEvent]
 * node/signal: the str to put in every event, or None to take each event's own
 * (through `names`, a dict id -> str, or None). */
static PyObject *events(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "events expects 5 arguments");
        return NULL;
    }
    if (FastEventType == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_events.setup was not called");
        return NULL;
    }
    const noob_event_view *views;
    size_t len;
    if (read_cells(args[0], args[1], &views, &len) < 0) return NULL;
    PyObject *node = args[2] == Py_None ? NULL : args[2];
    PyObject *signal = args[3] == Py_None ? NULL : args[3];
    return make_events(views, len, node, signal, NULL, args[4]);
}

/* grouped(views_cell, len_cell, counts_addr, count, names[, nodes, signals, epochs])
 *   -> list[list[FastEvent]]
 * Splits the list's events into `count` groups of counts[i] events (a batch get).
 * `nodes`, `signals`, `epochs` (optional) are the keys' own objects, tuples of
 * `count`: an exact str name or exact int epoch of key i is put in its events as is
 * (it is the text the name was interned as, and the epoch the library matched),
 * which saves a dict lookup or an int per event. */
static PyObject *grouped(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 5 && nargs != 8) {
        PyErr_SetString(PyExc_TypeError, "grouped expects 5 or 8 arguments");
        return NULL;
    }
    if (FastEventType == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_events.setup was not called");
        return NULL;
    }
    const noob_event_view *views;
    size_t len;
    if (read_cells(args[0], args[1], &views, &len) < 0) return NULL;
    const size_t *counts = PyLong_AsVoidPtr(args[2]);
    if (counts == NULL && PyErr_Occurred()) return NULL;
    Py_ssize_t groups = PyLong_AsSsize_t(args[3]);
    if (groups == -1 && PyErr_Occurred()) return NULL;
    if (groups < 0 || (groups > 0 && counts == NULL)) {
        PyErr_SetString(PyExc_ValueError, "bad counts");
        return NULL;
    }
    PyObject *const *key_nodes = NULL, *const *key_signals = NULL, *const *key_epochs = NULL;
    if (nargs == 8) {
        for (int j = 5; j < 8; j++) {
            if (!PyTuple_Check(args[j])) {
                PyErr_SetString(PyExc_TypeError, "grouped: the keys' nodes, signals and epochs must be tuples");
                return NULL;
            }
            if (PyTuple_GET_SIZE(args[j]) != groups) {
                PyErr_SetString(PyExc_ValueError, "grouped: a key tuple's length is not the count");
                return NULL;
            }
        }
        key_nodes = &PyTuple_GET_ITEM(args[5], 0);
        key_signals = &PyTuple_GET_ITEM(args[6], 0);
        key_epochs = &PyTuple_GET_ITEM(args[7], 0);
    }
    size_t total = 0;
    for (Py_ssize_t g = 0; g < groups; g++) total += counts[g];
    if (total != len) {
        PyErr_SetString(PyExc_ValueError, "the counts do not add up to the list's length");
        return NULL;
    }
    PyObject *out = PyList_New(groups);
    if (out == NULL) return NULL;
    size_t pos = 0;
    for (Py_ssize_t g = 0; g < groups; g++) {
        PyObject *node = NULL, *signal = NULL, *epoch = NULL;
        if (key_nodes != NULL) {
            node = PyUnicode_CheckExact(key_nodes[g]) ? key_nodes[g] : NULL;
            signal = PyUnicode_CheckExact(key_signals[g]) ? key_signals[g] : NULL;
            epoch = PyLong_CheckExact(key_epochs[g]) ? key_epochs[g] : NULL;
        }
        PyObject *group = make_events(&views[pos], counts[g], node, signal, epoch, args[4]);
        if (group == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, g, group);
        pos += counts[g];
    }
    return out;
}

/* ---- StoreBase: the base class of FastEventStore, holding what a get needs ---- */

typedef struct {
    PyObject_HEAD
    noob_event_store *store; /* owned by `owner`; NULL until _bind (or after a GC clear) */
    PyObject *owner;         /* the cffi handle that keeps the store alive */
    PyObject *ids;           /* dict: name (str or bytes) -> interned id */
    PyObject *names;         /* dict: interned id -> str */
    noob_event_list *list;   /* refilled by every get_events; used only with the GIL held */
    int list_busy;           /* a get is reading `list` (a re-entrant get uses its own list) */
} StoreBase;

static PyObject *str_lookup; /* "_lookup" */
static PyObject *str_intern; /* "_intern" */
static PyObject *str_add_general; /* "_add_event_general" */

static int StoreBase_traverse(StoreBase *self, visitproc visit, void *arg) {
    Py_VISIT(self->owner);
    Py_VISIT(self->ids);
    Py_VISIT(self->names);
    return 0;
}

static int StoreBase_clear(StoreBase *self) {
    self->store = NULL; /* the owner may free it */
    Py_CLEAR(self->owner);
    Py_CLEAR(self->ids);
    Py_CLEAR(self->names);
    return 0;
}

static void StoreBase_dealloc(StoreBase *self) {
    PyObject_GC_UnTrack(self);
    StoreBase_clear(self);
    if (self->list != NULL) {
        noob_event_list_free(self->list);
        self->list = NULL;
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* _bind(owner, address, ids, names): `address` is the store's address (the
 * integer value of the cffi pointer `owner`), which `owner` keeps alive. Private:
 * FastEventStore.__init__ calls it once. */
static PyObject *StoreBase_bind(StoreBase *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "_bind expects 4 arguments");
        return NULL;
    }
    if (!PyLong_Check(args[1]) || !PyDict_Check(args[2]) || !PyDict_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "_bind expects (owner, int address, dict, dict)");
        return NULL;
    }
    void *address = PyLong_AsVoidPtr(args[1]);
    if (address == NULL) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "_bind: NULL store");
        return NULL;
    }
    if (self->list == NULL) {
        noob_result code = noob_event_list_new(&self->list);
        if (code != NOOB_OK) return raise_code(code);
    }
    Py_INCREF(args[0]);
    Py_XSETREF(self->owner, args[0]);
    Py_INCREF(args[2]);
    Py_XSETREF(self->ids, args[2]);
    Py_INCREF(args[3]);
    Py_XSETREF(self->names, args[3]);
    self->store = (noob_event_store *)address;
    Py_RETURN_NONE;
}

/* The error of a call on a store base that is not bound (or no longer: a name
 * lookup or interning ran Python code); returns NULL. */
static PyObject *not_initialised(void) {
    PyErr_SetString(PyExc_RuntimeError, "the event store was not initialised");
    return NULL;
}

/* An int `obj` as an epoch in 0..2**64-1: 1 with `*out` set, 0 if it is out of
 * that range (no error set: the caller's general path handles it), -1 on another
 * error. */
static int epoch_in_range(PyObject *obj, uint64_t *out) {
    unsigned long long epoch = PyLong_AsUnsignedLongLong(obj);
    if (epoch == (unsigned long long)-1 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return -1;
        PyErr_Clear();
        return 0;
    }
    *out = epoch;
    return 1;
}

/* The id of `name` through the store's dict; a name not in it goes to the store's
 * Python method `fallback`, which is Python code (the caller must own what it
 * iterates): `_lookup` for gets (asks the library, gives 0xFFFFFFFF for a name
 * never interned), `_intern` for adds; both raise TypeError for what is not a
 * name. */
static int id_via(StoreBase *self, PyObject *name, PyObject *fallback, uint32_t *out) {
    PyObject *found = PyDict_GetItemWithError(self->ids, name); /* borrowed */
    PyObject *owned = NULL;
    if (found == NULL) {
        if (PyErr_Occurred()) return -1; /* unhashable: TypeError */
        owned = PyObject_CallMethodOneArg((PyObject *)self, fallback, name);
        if (owned == NULL) return -1;
        found = owned;
    }
    unsigned long id = PyLong_AsUnsignedLong(found);
    Py_XDECREF(owned);
    if (id == (unsigned long)-1 && PyErr_Occurred()) return -1;
    if (id > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "a name id above 2**32 - 1");
        return -1;
    }
    *out = (uint32_t)id;
    return 0;
}

static int id_of(StoreBase *self, PyObject *name, uint32_t *out) { return id_via(self, name, str_lookup, out); }

static int id_or_intern(StoreBase *self, PyObject *name, uint32_t *out) { return id_via(self, name, str_intern, out); }

static const char *const get_kwlist[] = {"node_id", "signal", "epoch"};

/* get_events(node_id, signal, epoch) -> list[FastEvent]; epoch -1: the latest. */
/* Fills `given` (`max` slots, NULL if not given) from a vectorcall's positional
 * and keyword arguments named `kwlist`; the first `required` must be given.
 * -1 with TypeError on a bad call. */
static int parse_args(const char *fname, const char *const *kwlist, int required, int max, PyObject *const *args,
                      Py_ssize_t nargs, PyObject *kwnames, PyObject **given) {
    if (nargs > max) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %d arguments (%zd given)", fname, max, nargs);
        return -1;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) given[i] = args[i];
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        int slot = -1;
        for (int j = 0; j < max; j++) {
            if (PyUnicode_CompareWithASCIIString(key, kwlist[j]) == 0) slot = j;
        }
        if (slot < 0) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fname, key);
            return -1;
        }
        if (given[slot] != NULL) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%U'", fname, key);
            return -1;
        }
        given[slot] = args[nargs + k];
    }
    for (int j = 0; j < required; j++) {
        if (given[j] == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fname, kwlist[j]);
            return -1;
        }
    }
    return 0;
}

static PyObject *StoreBase_get_events(StoreBase *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    PyObject *given[3] = {NULL, NULL, NULL};
    if (parse_args("get_events", get_kwlist, 3, 3, args, nargs, kwnames, given) < 0) return NULL;
    if (self->store == NULL || self->list == NULL || FastEventType == NULL) return not_initialised();
    PyObject *epoch_obj = given[2];
    if (!PyLong_Check(epoch_obj)) {
        PyErr_Format(PyExc_TypeError, "an epoch must be an int, not %.100s", Py_TYPE(epoch_obj)->tp_name);
        return NULL;
    }
    int overflow = 0;
    long long signed_epoch = PyLong_AsLongLongAndOverflow(epoch_obj, &overflow);
    if (signed_epoch == -1 && overflow == 0 && PyErr_Occurred()) return NULL;
    int latest = overflow == 0 && signed_epoch == -1;
    unsigned long long epoch = 0;
    if (!latest) {
        epoch = PyLong_AsUnsignedLongLong(epoch_obj); /* OverflowError below 0 or above 2**64 - 1 */
        if (epoch == (unsigned long long)-1 && PyErr_Occurred()) return NULL;
    }
    uint32_t node, signal;
    if (id_of(self, given[0], &node) < 0 || id_of(self, given[1], &signal) < 0) return NULL;
    /* _lookup may have run Python code: check the store is still bound. */
    if (self->store == NULL) return not_initialised();
    /* Building the events allocates, which may run the garbage collector, whose
     * finalizers may call get_events on this store again (same thread, or another
     * one if a finalizer releases the GIL): such a nested get must not refill the
     * list whose views are being read, so it gets a list of its own. */
    noob_event_list *list = self->list;
    int own_list = self->list_busy;
    if (own_list) {
        noob_result made = noob_event_list_new(&list);
        if (made != NOOB_OK) return raise_code(made);
    } else {
        self->list_busy = 1;
    }
    PyObject *out = NULL;
    noob_result code = latest ? noob_event_store_get_latest_into(self->store, node, signal, list)
                              : noob_event_store_get_into(self->store, node, signal, epoch, list);
    const noob_event_view *views = NULL;
    size_t len = 0;
    if (code == NOOB_OK) code = noob_event_list_views(list, &views, &len);
    if (code != NOOB_OK) {
        raise_code(code);
        goto done;
    }
    /* A str name is the text it was interned as: put it in the events as is. */
    PyObject *node_name = PyUnicode_CheckExact(given[0]) ? given[0] : NULL;
    PyObject *signal_name = PyUnicode_CheckExact(given[1]) ? given[1] : NULL;
    /* So is an exact int epoch (not for the latest: that is another epoch). */
    PyObject *epoch_same = !latest && PyLong_CheckExact(epoch_obj) ? epoch_obj : NULL;
    out = make_events(views, len, node_name, signal_name, epoch_same, self->names);
done:
    if (own_list) {
        noob_event_list_free(list);
    } else {
        self->list_busy = 0;
    }
    return out;
}

/* _batch(keys) -> list[list[FastEvent]] | None
 * The fast path of batch_get_events: `keys` a list or tuple of (node_id, signal,
 * epoch) tuples, every epoch an int in 0..2**64-1. Anything else (another kind
 * of key, epoch -1 for the latest, an epoch of another type or out of range) gives
 * None, and the Python method takes its general path, which handles or refuses it
 * as before. Names go to ids through the store's dict (and `_lookup`); the library
 * call releases the GIL, on a list of this call's own; the events are then built
 * holding it, with the keys' own name and epoch objects. */
static PyObject *StoreBase_batch(StoreBase *self, PyObject *keys_arg) {
    if (self->store == NULL || FastEventType == NULL) return not_initialised();
    if (!PyList_Check(keys_arg) && !PyTuple_Check(keys_arg)) Py_RETURN_NONE;
    /* A tuple of its own: the caller's list may change while the GIL is released. */
    PyObject *keys = PySequence_Tuple(keys_arg);
    if (keys == NULL) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(keys);
    PyObject *out = NULL;
    noob_event_list *list = NULL;
    uint32_t *nodes = PyMem_Malloc(sizeof(uint32_t) * (size_t)(n > 0 ? n : 1));
    uint32_t *signals = PyMem_Malloc(sizeof(uint32_t) * (size_t)(n > 0 ? n : 1));
    uint64_t *epochs = PyMem_Malloc(sizeof(uint64_t) * (size_t)(n > 0 ? n : 1));
    size_t *counts = PyMem_Malloc(sizeof(size_t) * (size_t)(n > 0 ? n : 1));
    if (nodes == NULL || signals == NULL || epochs == NULL || counts == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* First pass: only shapes and epochs, so that a key for the general path is
     * found before any name is looked up (or interned through _lookup). */
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *key = PyTuple_GET_ITEM(keys, i);
        if (!PyTuple_Check(key) || PyTuple_GET_SIZE(key) != 3 || !PyLong_Check(PyTuple_GET_ITEM(key, 2))) {
            out = Py_None;
            Py_INCREF(out);
            goto done;
        }
        int in_range = epoch_in_range(PyTuple_GET_ITEM(key, 2), &epochs[i]);
        if (in_range < 0) goto done;
        if (in_range == 0) { /* -1 (latest) or out of range: the general path */
            out = Py_None;
            Py_INCREF(out);
            goto done;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *key = PyTuple_GET_ITEM(keys, i);
        if (id_of(self, PyTuple_GET_ITEM(key, 0), &nodes[i]) < 0) goto done;
        if (id_of(self, PyTuple_GET_ITEM(key, 1), &signals[i]) < 0) goto done;
    }
    if (self->store == NULL) { /* _lookup ran Python code */
        not_initialised();
        goto done;
    }
    noob_result code = noob_event_list_new(&list);
    if (code != NOOB_OK) {
        raise_code(code);
        goto done;
    }
    noob_event_store *store = self->store;
    Py_BEGIN_ALLOW_THREADS
    code = noob_event_store_get_batch_into(store, (size_t)n, nodes, signals, epochs, counts, list);
    Py_END_ALLOW_THREADS
    const noob_event_view *views = NULL;
    size_t len = 0;
    if (code == NOOB_OK) code = noob_event_list_views(list, &views, &len);
    if (code != NOOB_OK) {
        raise_code(code);
        goto done;
    }
    out = PyList_New(n);
    if (out == NULL) goto done;
    size_t pos = 0;
    for (Py_ssize_t g = 0; g < n; g++) {
        if (pos + counts[g] > len) { /* cannot happen: the library's counts add up */
            PyErr_SetString(PyExc_SystemError, "batch counts exceed the events");
            Py_CLEAR(out);
            goto done;
        }
        PyObject *key = PyTuple_GET_ITEM(keys, g);
        PyObject *node = PyTuple_GET_ITEM(key, 0), *signal = PyTuple_GET_ITEM(key, 1);
        PyObject *epoch = PyTuple_GET_ITEM(key, 2);
        node = PyUnicode_CheckExact(node) ? node : NULL;
        signal = PyUnicode_CheckExact(signal) ? signal : NULL;
        epoch = PyLong_CheckExact(epoch) ? epoch : NULL;
        PyObject *group = make_events(&views[pos], counts[g], node, signal, epoch, self->names);
        if (group == NULL) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, g, group);
        pos += counts[g];
    }
done:
    if (list != NULL) noob_event_list_free(list);
    PyMem_Free(nodes);
    PyMem_Free(signals);
    PyMem_Free(epochs);
    PyMem_Free(counts);
    Py_DECREF(keys);
    return out;
}


/* _add_many(events) -> list[int] | None: the fast path of add_events for a list or
 * tuple of (name, name, int, bytes, float) tuples. Names become ids through the
 * store's dict (new ones interned), the values are joined, and one add_batch call
 * runs with the GIL released. None sends anything else (other value or timestamp
 * types, None timestamps, epochs out of range, other shapes) down the Python path,
 * which accepts them or raises the right error; nothing is added before that. */
static PyObject *StoreBase_add_many(StoreBase *self, PyObject *events_arg) {
    if (self->store == NULL) return not_initialised();
    if (!PyList_Check(events_arg) && !PyTuple_Check(events_arg)) Py_RETURN_NONE;
    /* A tuple of its own: interning runs Python code, which could change a list. */
    PyObject *events = PySequence_Tuple(events_arg);
    if (events == NULL) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(events);
    size_t slots = (size_t)(n > 0 ? n : 1);
    PyObject *out = NULL;
    uint8_t *joined = NULL;
    uint32_t *nodes = PyMem_Malloc(sizeof(uint32_t) * slots);
    uint32_t *signals = PyMem_Malloc(sizeof(uint32_t) * slots);
    uint64_t *epochs = PyMem_Malloc(sizeof(uint64_t) * slots);
    double *stamps = PyMem_Malloc(sizeof(double) * slots);
    size_t *lens = PyMem_Malloc(sizeof(size_t) * slots);
    uint64_t *ids = PyMem_Malloc(sizeof(uint64_t) * slots);
    if (nodes == NULL || signals == NULL || epochs == NULL || stamps == NULL || lens == NULL || ids == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* First pass: shapes, epochs, values and timestamps, before any name is interned. */
    size_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *event = PyTuple_GET_ITEM(events, i);
        if (!PyTuple_Check(event) || PyTuple_GET_SIZE(event) != 5 || !PyLong_Check(PyTuple_GET_ITEM(event, 2)) ||
            !PyBytes_CheckExact(PyTuple_GET_ITEM(event, 3)) || !PyFloat_CheckExact(PyTuple_GET_ITEM(event, 4))) {
            out = Py_None;
            Py_INCREF(out);
            goto done;
        }
        int in_range = epoch_in_range(PyTuple_GET_ITEM(event, 2), &epochs[i]);
        if (in_range < 0) goto done;
        if (in_range == 0) { /* out of range: the Python path raises */
            out = Py_None;
            Py_INCREF(out);
            goto done;
        }
        lens[i] = (size_t)PyBytes_GET_SIZE(PyTuple_GET_ITEM(event, 3));
        total += lens[i];
        stamps[i] = PyFloat_AS_DOUBLE(PyTuple_GET_ITEM(event, 4));
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *event = PyTuple_GET_ITEM(events, i);
        if (id_or_intern(self, PyTuple_GET_ITEM(event, 0), &nodes[i]) < 0) goto done;
        if (id_or_intern(self, PyTuple_GET_ITEM(event, 1), &signals[i]) < 0) goto done;
    }
    if (self->store == NULL) { /* _intern ran Python code */
        not_initialised();
        goto done;
    }
    joined = PyMem_Malloc(total > 0 ? total : 1);
    if (joined == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    size_t at = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        memcpy(joined + at, PyBytes_AS_STRING(PyTuple_GET_ITEM(PyTuple_GET_ITEM(events, i), 3)), lens[i]);
        at += lens[i];
    }
    noob_event_store *store = self->store;
    noob_result code;
    Py_BEGIN_ALLOW_THREADS
    code = noob_event_store_add_batch(store, (size_t)n, nodes, signals, epochs, stamps, joined, total, lens, ids);
    Py_END_ALLOW_THREADS
    if (code != NOOB_OK) {
        raise_code(code);
        goto done;
    }
    out = PyList_New(n);
    if (out == NULL) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *id = PyLong_FromUnsignedLongLong(ids[i]);
        if (id == NULL) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, i, id);
    }
done:
    PyMem_Free(joined);
    PyMem_Free(nodes);
    PyMem_Free(signals);
    PyMem_Free(epochs);
    PyMem_Free(stamps);
    PyMem_Free(lens);
    PyMem_Free(ids);
    Py_DECREF(events);
    return out;
}

static const char *const add_kwlist[] = {"node_id", "signal", "epoch", "value", "timestamp"};

/* Values at least this long are copied into the store with the GIL released: the
 * copy then outweighs releasing and taking the GIL back (a few hundred ns). */
#define RELEASE_GIL_FROM 16384

/* add_event(node_id, signal, epoch, value, timestamp=None) -> int: one library
 * call for `bytes` values, int epochs and float (or no) timestamps; anything else
 * (other value types, int timestamps, epochs out of range) goes to the store's
 * Python `_add_event_general`, which accepts it or raises the right error. */
static PyObject *StoreBase_add_event(StoreBase *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    PyObject *given[5] = {NULL, NULL, NULL, NULL, NULL};
    if (parse_args("add_event", add_kwlist, 4, 5, args, nargs, kwnames, given) < 0) return NULL;
    if (self->store == NULL) return not_initialised();
    PyObject *stamp = given[4] == NULL ? Py_None : given[4];
    uint64_t epoch = 0;
    int usual = PyBytes_CheckExact(given[3]) && PyLong_Check(given[2]) && (stamp == Py_None || PyFloat_CheckExact(stamp));
    if (usual) {
        usual = epoch_in_range(given[2], &epoch);
        if (usual < 0) return NULL;
    }
    if (!usual) {
        PyObject *call[6] = {(PyObject *)self, given[0], given[1], given[2], given[3], stamp};
        return PyObject_VectorcallMethod(str_add_general, call, 6 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    }
    uint32_t node, signal;
    if (id_or_intern(self, given[0], &node) < 0 || id_or_intern(self, given[1], &signal) < 0) return NULL;
    if (self->store == NULL) return not_initialised(); /* _intern ran Python code */
    double timestamp;
    if (stamp == Py_None) { /* now, as time.time() reads it */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        timestamp = (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
    } else {
        timestamp = PyFloat_AS_DOUBLE(stamp);
    }
    const uint8_t *bytes = (const uint8_t *)PyBytes_AS_STRING(given[3]);
    size_t len = (size_t)PyBytes_GET_SIZE(given[3]);
    noob_event_store *store = self->store;
    uint64_t id = 0;
    noob_result code;
    if (len >= RELEASE_GIL_FROM) {
        Py_BEGIN_ALLOW_THREADS
        code = noob_event_store_add(store, node, signal, epoch, bytes, len, timestamp, &id);
        Py_END_ALLOW_THREADS
    } else {
        code = noob_event_store_add(store, node, signal, epoch, bytes, len, timestamp, &id);
    }
    if (code != NOOB_OK) return raise_code(code);
    return PyLong_FromUnsignedLongLong(id);
}

static PyMethodDef StoreBase_methods[] = {
    {"add_event", (PyCFunction)(void (*)(void))StoreBase_add_event, METH_FASTCALL | METH_KEYWORDS,
     "add_event(node_id, signal, epoch, value, timestamp=None) -> int\n\n"
     "Store one event and return its id (unique and increasing within the store).\n"
     "timestamp defaults to time.time(). The GIL is released while a value of\n"
     "16 KiB or more is copied into the store."},
    {"_add_many", (PyCFunction)StoreBase_add_many, METH_O, "The fast path of add_events (private)."},
    {"_bind", (PyCFunction)(void (*)(void))StoreBase_bind, METH_FASTCALL, "Bind the store (private)."},
    {"_batch", (PyCFunction)StoreBase_batch, METH_O, "The fast path of batch_get_events (private)."},
    {"get_events", (PyCFunction)(void (*)(void))StoreBase_get_events, METH_FASTCALL | METH_KEYWORDS,
     "get_events(node_id, signal, epoch) -> list[FastEvent]\n\n"
     "The events of (node_id, signal, epoch), oldest first; [] if there are none\n"
     "(never added, cleared, evicted, or unknown names). epoch=-1 gives the latest\n"
     "event of (node_id, signal) across epochs, as a 0- or 1-element list."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject StoreBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "noob_core._events.StoreBase",
    .tp_basicsize = sizeof(StoreBase),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Base of FastEventStore: the store's single get in C.",
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)StoreBase_dealloc,
    .tp_traverse = (traverseproc)StoreBase_traverse,
    .tp_clear = (inquiry)StoreBase_clear,
    .tp_methods = StoreBase_methods,
};

static PyMethodDef methods[] = {
    {"setup", (PyCFunction)(void (*)(void))setup, METH_FASTCALL, "Register the FastEvent type and error_for."},
    {"events", (PyCFunction)(void (*)(void))events, METH_FASTCALL, "A list's events as FastEvents."},
    {"grouped", (PyCFunction)(void (*)(void))grouped, METH_FASTCALL, "A batch list's events, grouped by key."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "noob_core._events", NULL, -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__events(void) {
    if (PyType_Ready(&StoreBaseType) < 0) return NULL;
    if (str_lookup == NULL) {
        str_lookup = PyUnicode_InternFromString("_lookup");
        if (str_lookup == NULL) return NULL;
    }
    if (str_intern == NULL) {
        str_intern = PyUnicode_InternFromString("_intern");
        if (str_intern == NULL) return NULL;
    }
    if (str_add_general == NULL) {
        str_add_general = PyUnicode_InternFromString("_add_event_general");
        if (str_add_general == NULL) return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&StoreBaseType);
    if (PyModule_AddObject(m, "StoreBase", (PyObject *)&StoreBaseType) < 0) {
        Py_DECREF(&StoreBaseType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
