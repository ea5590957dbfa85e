/* noob_core._events: turns the event views of a noob_event_list into FastEvent tuples.
 *
 * Why C and not cffi: a get returns Python objects, and building them through cffi
 * (one cdata per struct and field, one buffer object per value) costs about 1 µs an
 * event, more than the store's own work. This module reads the views the library
 * already wrote (it is not linked to the library and calls nothing in it): the
 * caller passes the addresses of the per-thread output cells of
 * noob_event_list_views (`const noob_event_view **` and `size_t *`), filled by a
 * call made just before on the same thread, so the views are live while we read.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "noob_core.h"

static PyTypeObject *FastEventType; /* set once by setup() */

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

/* One FastEvent; `node`/`signal` are borrowed (NULL: look the name up). */
static PyObject *make_event(const noob_event_view *v, PyObject *node, PyObject *signal, PyObject *names) {
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
    items[3] = PyLong_FromUnsignedLongLong(v->epoch);
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

static PyObject *setup(PyObject *self, PyObject *type) {
    (void)self;
    if (!PyType_Check(type) || !PyType_IsSubtype((PyTypeObject *)type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "setup expects a tuple subclass");
        return NULL;
    }
    Py_INCREF(type);
    Py_XSETREF(FastEventType, (PyTypeObject *)type);
    Py_RETURN_NONE;
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
    PyObject *out = PyList_New((Py_ssize_t)len);
    if (out == NULL) return NULL;
    for (size_t i = 0; i < len; i++) {
        PyObject *ev = make_event(&views[i], node, signal, args[4]);
        if (ev == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, (Py_ssize_t)i, ev);
    }
    return out;
}

/* grouped(views_cell, len_cell, counts_addr, count, names) -> list[list[FastEvent]]
 * Splits the list's events into `count` groups of counts[i] events (a batch get). */
static PyObject *grouped(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "grouped expects 5 arguments");
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
    Py_ssize_t groups = PyLong_AsSsize_t(args[3]);
    if (PyErr_Occurred()) return NULL;
    if (groups < 0 || (groups > 0 && counts == NULL)) {
        PyErr_SetString(PyExc_ValueError, "bad counts");
        return NULL;
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
        PyObject *group = PyList_New((Py_ssize_t)counts[g]);
        if (group == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, g, group);
        for (size_t i = 0; i < counts[g]; i++, pos++) {
            PyObject *ev = make_event(&views[pos], NULL, NULL, args[4]);
            if (ev == NULL) {
                Py_DECREF(out);
                return NULL;
            }
            PyList_SET_ITEM(group, (Py_ssize_t)i, ev);
        }
    }
    return out;
}

static PyMethodDef methods[] = {
    {"setup", setup, METH_O, "Register the FastEvent type."},
    {"events", (PyCFunction)(void (*)(void))events, METH_FASTCALL, "A list's events as FastEvents."},
    {"grouped", (PyCFunction)(void (*)(void))grouped, METH_FASTCALL, "A batch list's events, grouped by key."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "noob_core._events", NULL, -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__events(void) { return PyModule_Create(&module); }
