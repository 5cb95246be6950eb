/*
 * Keccak-f[1600] (FIPS 202 sections 3.2-3.4) for refimpl.crypto.keccak callers that want speed.
 * Written for this project from FIPS 202: theta, rho (offsets of Table 2), pi, chi, iota (round
 * constants of Algorithm 5), 24 rounds over 25 little-endian 64-bit lanes.
 *
 * Python API (module refimpl.crypto._keccak):
 *   f1600_inplace(state: bytearray[200]) -> None
 *   Strobe128(protocol_label: bytes)   the STROBE-128 (v1.0.2) duplex subset Merlin uses, as in
 *     merlin/src/strobe.rs (rate 166; operations meta-AD, AD, KEY, PRF with the `more` flag) and
 *     mirrored in pure Python by refimpl/crypto/strobe.py (PyStrobe128, the tested fallback):
 *     .meta_ad(data, more) .ad(data, more) .key(data, more) .prf(n, more) -> bytes
 *     .framed_ad(label, data)  = meta_ad(label); meta_ad(LE32(len data), more); ad(data)
 *     .framed_key(label, data) = meta_ad(label); meta_ad(LE32(len data), more); key(data)
 *     .framed_prf(label, n)    = meta_ad(label); meta_ad(LE32(n), more); prf(n) -> bytes
 *     .clone() -> Strobe128     .state_bytes() -> bytes[200]
 *   Misuse and lengths above 2^32 - 1 raise refimpl.errors.CryptoError with the codes
 *   crypto.transcript_misuse and crypto.transcript_length, as the Python class does.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static const uint64_t RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808AULL, 0x8000000080008000ULL,
    0x000000000000808BULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008AULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000AULL,
    0x000000008000808BULL, 0x800000000000008BULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800AULL, 0x800000008000000AULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};

/* the 24 rounds with the state in 25 local lanes; the round body is fully unrolled (generated
 * mechanically from the rho offsets and the pi index map of FIPS 202 Table 2 / section 3.2.3) */
#define ROTL(v, n) (((v) << (n)) | ((v) >> (64 - (n))))
static void keccak_f1600(uint64_t s[25]) {
    uint64_t a0 = s[0], a1 = s[1], a2 = s[2], a3 = s[3], a4 = s[4], a5 = s[5], a6 = s[6],
        a7 = s[7], a8 = s[8], a9 = s[9], a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13],
        a14 = s[14], a15 = s[15], a16 = s[16], a17 = s[17], a18 = s[18], a19 = s[19], a20 = s[20],
        a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24];
    uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
    uint64_t b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15, b16, b17, b18,
        b19, b20, b21, b22, b23, b24;
    for (int round = 0; round < 24; round++) {
        c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
        c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
        c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
        c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
        c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
        d0 = c4 ^ ROTL(c1, 1);
        d1 = c0 ^ ROTL(c2, 1);
        d2 = c1 ^ ROTL(c3, 1);
        d3 = c2 ^ ROTL(c4, 1);
        d4 = c3 ^ ROTL(c0, 1);
        b0 = a0 ^ d0;
        b16 = ROTL(a5 ^ d0, 36);
        b7 = ROTL(a10 ^ d0, 3);
        b23 = ROTL(a15 ^ d0, 41);
        b14 = ROTL(a20 ^ d0, 18);
        b10 = ROTL(a1 ^ d1, 1);
        b1 = ROTL(a6 ^ d1, 44);
        b17 = ROTL(a11 ^ d1, 10);
        b8 = ROTL(a16 ^ d1, 45);
        b24 = ROTL(a21 ^ d1, 2);
        b20 = ROTL(a2 ^ d2, 62);
        b11 = ROTL(a7 ^ d2, 6);
        b2 = ROTL(a12 ^ d2, 43);
        b18 = ROTL(a17 ^ d2, 15);
        b9 = ROTL(a22 ^ d2, 61);
        b5 = ROTL(a3 ^ d3, 28);
        b21 = ROTL(a8 ^ d3, 55);
        b12 = ROTL(a13 ^ d3, 25);
        b3 = ROTL(a18 ^ d3, 21);
        b19 = ROTL(a23 ^ d3, 56);
        b15 = ROTL(a4 ^ d4, 27);
        b6 = ROTL(a9 ^ d4, 20);
        b22 = ROTL(a14 ^ d4, 39);
        b13 = ROTL(a19 ^ d4, 8);
        b4 = ROTL(a24 ^ d4, 14);
        a0 = b0 ^ (~b1 & b2);
        a1 = b1 ^ (~b2 & b3);
        a2 = b2 ^ (~b3 & b4);
        a3 = b3 ^ (~b4 & b0);
        a4 = b4 ^ (~b0 & b1);
        a5 = b5 ^ (~b6 & b7);
        a6 = b6 ^ (~b7 & b8);
        a7 = b7 ^ (~b8 & b9);
        a8 = b8 ^ (~b9 & b5);
        a9 = b9 ^ (~b5 & b6);
        a10 = b10 ^ (~b11 & b12);
        a11 = b11 ^ (~b12 & b13);
        a12 = b12 ^ (~b13 & b14);
        a13 = b13 ^ (~b14 & b10);
        a14 = b14 ^ (~b10 & b11);
        a15 = b15 ^ (~b16 & b17);
        a16 = b16 ^ (~b17 & b18);
        a17 = b17 ^ (~b18 & b19);
        a18 = b18 ^ (~b19 & b15);
        a19 = b19 ^ (~b15 & b16);
        a20 = b20 ^ (~b21 & b22);
        a21 = b21 ^ (~b22 & b23);
        a22 = b22 ^ (~b23 & b24);
        a23 = b23 ^ (~b24 & b20);
        a24 = b24 ^ (~b20 & b21);
        a0 ^= RC[round];
    }
    s[0] = a0;
    s[1] = a1;
    s[2] = a2;
    s[3] = a3;
    s[4] = a4;
    s[5] = a5;
    s[6] = a6;
    s[7] = a7;
    s[8] = a8;
    s[9] = a9;
    s[10] = a10;
    s[11] = a11;
    s[12] = a12;
    s[13] = a13;
    s[14] = a14;
    s[15] = a15;
    s[16] = a16;
    s[17] = a17;
    s[18] = a18;
    s[19] = a19;
    s[20] = a20;
    s[21] = a21;
    s[22] = a22;
    s[23] = a23;
    s[24] = a24;
}
#undef ROTL

static void permute_bytes(uint8_t s[200]) {
    uint64_t lanes[25];
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(lanes, s, 200); /* the lanes are little-endian words */
    keccak_f1600(lanes);
    memcpy(s, lanes, 200);
#else
    for (int i = 0; i < 25; i++) {
        uint64_t v = 0;
        for (int j = 7; j >= 0; j--) v = (v << 8) | s[8 * i + j];
        lanes[i] = v;
    }
    keccak_f1600(lanes);
    for (int i = 0; i < 25; i++)
        for (int j = 0; j < 8; j++) s[8 * i + j] = (uint8_t)(lanes[i] >> (8 * j));
#endif
}

static PyObject *py_f1600_inplace(PyObject *self, PyObject *args) {
    Py_buffer buf;
    if (!PyArg_ParseTuple(args, "w*", &buf)) return NULL;
    if (buf.len != 200) {
        PyBuffer_Release(&buf);
        PyErr_SetString(PyExc_ValueError, "the Keccak-f[1600] state is 200 bytes");
        return NULL;
    }
    permute_bytes((uint8_t *)buf.buf);
    PyBuffer_Release(&buf);
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------- STROBE-128 */

#define STROBE_R 166
#define FLAG_I 1
#define FLAG_A 2
#define FLAG_C 4
#define FLAG_M 16
#define FLAG_K 32

typedef struct {
    PyObject_HEAD
    uint8_t st[200];
    unsigned pos, pos_begin, cur_flags;
} StrobeObject;

static PyTypeObject StrobeType;
static uint8_t STROBE_INITIAL[200];

static void strobe_run_f(StrobeObject *s) {
    s->st[s->pos] ^= (uint8_t)s->pos_begin;
    s->st[s->pos + 1] ^= 0x04;
    s->st[STROBE_R + 1] ^= 0x80;
    permute_bytes(s->st);
    s->pos = 0;
    s->pos_begin = 0;
}

static void strobe_absorb(StrobeObject *s, const uint8_t *data, size_t n) {
    for (size_t i = 0; i < n; i++) {
        s->st[s->pos++] ^= data[i];
        if (s->pos == STROBE_R) strobe_run_f(s);
    }
}

static void strobe_overwrite(StrobeObject *s, const uint8_t *data, size_t n) {
    for (size_t i = 0; i < n; i++) {
        s->st[s->pos++] = data[i];
        if (s->pos == STROBE_R) strobe_run_f(s);
    }
}

static void strobe_squeeze(StrobeObject *s, uint8_t *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        out[i] = s->st[s->pos];
        s->st[s->pos++] = 0;
        if (s->pos == STROBE_R) strobe_run_f(s);
    }
}

/* refimpl.errors.CryptoError(code, message), set as the current exception */
static void raise_crypto_error(const char *code, const char *message) {
    PyObject *errors = PyImport_ImportModule("refimpl.errors");
    if (errors == NULL) return;
    PyObject *cls = PyObject_GetAttrString(errors, "CryptoError");
    Py_DECREF(errors);
    if (cls == NULL) return;
    PyObject *exc = PyObject_CallFunction(cls, "ss", code, message);
    if (exc != NULL) {
        PyErr_SetObject(cls, exc);
        Py_DECREF(exc);
    }
    Py_DECREF(cls);
}

static int strobe_begin_op(StrobeObject *s, unsigned flags, int more) {
    if (more) {
        if (flags != s->cur_flags) {
            char message[80];
            snprintf(message, sizeof message, "STROBE continued flags %#x after %#x", flags,
                     s->cur_flags);
            raise_crypto_error("crypto.transcript_misuse", message);
            return 0;
        }
        return 1;
    }
    uint8_t header[2] = {(uint8_t)s->pos_begin, (uint8_t)flags};
    s->pos_begin = s->pos + 1;
    s->cur_flags = flags;
    strobe_absorb(s, header, 2);
    if ((flags & (FLAG_C | FLAG_K)) && s->pos != 0) strobe_run_f(s);
    return 1;
}

/* meta-AD(LE32(n), more), after meta-AD(label); 0 with an exception if n >= 2^32 */
static int strobe_frame(StrobeObject *s, const uint8_t *label, size_t label_len, size_t n) {
    if (n > 0xffffffffULL) {
        raise_crypto_error("crypto.transcript_length", "length does not fit in a u32");
        return 0;
    }
    uint8_t le[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    strobe_begin_op(s, FLAG_M | FLAG_A, 0);
    strobe_absorb(s, label, label_len);
    strobe_absorb(s, le, 4); /* continuing meta-AD with the same flags needs no header */
    return 1;
}

/* an output length: a non-negative int below 2^32 (negative counts as 0 for plain prf) */
static int parse_length(PyObject *obj, size_t *n, int strict) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (v == -1 && PyErr_Occurred()) return 0;
    if (overflow > 0 || v > 0xffffffffLL || (strict && (overflow < 0 || v < 0))) {
        raise_crypto_error("crypto.transcript_length", "length does not fit in a u32");
        return 0;
    }
    *n = (overflow < 0 || v < 0) ? 0 : (size_t)v;
    return 1;
}

static int check_nargs(Py_ssize_t nargs, Py_ssize_t want, const char *name) {
    if (nargs == want) return 1;
    PyErr_Format(PyExc_TypeError, "%s takes %zd arguments (%zd given)", name, want, nargs);
    return 0;
}

typedef enum { OP_META_AD, OP_AD, OP_KEY } data_op;

static PyObject *strobe_data_op(StrobeObject *s, PyObject *const *args, Py_ssize_t nargs,
                                data_op op, const char *name) {
    if (!check_nargs(nargs, 2, name)) return NULL;
    int more = PyObject_IsTrue(args[1]);
    if (more < 0) return NULL;
    Py_buffer data;
    if (PyObject_GetBuffer(args[0], &data, PyBUF_SIMPLE) < 0) return NULL;
    static const unsigned flags[3] = {FLAG_M | FLAG_A, FLAG_A, FLAG_A | FLAG_C};
    if (!strobe_begin_op(s, flags[op], more)) {
        PyBuffer_Release(&data);
        return NULL;
    }
    if (op == OP_KEY)
        strobe_overwrite(s, (const uint8_t *)data.buf, (size_t)data.len);
    else
        strobe_absorb(s, (const uint8_t *)data.buf, (size_t)data.len);
    PyBuffer_Release(&data);
    Py_RETURN_NONE;
}

static PyObject *strobe_meta_ad(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    return strobe_data_op((StrobeObject *)self, args, nargs, OP_META_AD, "meta_ad");
}

static PyObject *strobe_ad(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    return strobe_data_op((StrobeObject *)self, args, nargs, OP_AD, "ad");
}

static PyObject *strobe_key(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    return strobe_data_op((StrobeObject *)self, args, nargs, OP_KEY, "key");
}

static PyObject *squeeze_bytes(StrobeObject *s, size_t n) {
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n);
    if (out == NULL) return NULL;
    strobe_squeeze(s, (uint8_t *)PyBytes_AS_STRING(out), n);
    return out;
}

static PyObject *strobe_prf(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    StrobeObject *s = (StrobeObject *)self;
    if (!check_nargs(nargs, 2, "prf")) return NULL;
    size_t n;
    if (!parse_length(args[0], &n, 0)) return NULL;
    int more = PyObject_IsTrue(args[1]);
    if (more < 0) return NULL;
    if (!strobe_begin_op(s, FLAG_I | FLAG_A | FLAG_C, more)) return NULL;
    return squeeze_bytes(s, n);
}

static PyObject *strobe_framed_data(StrobeObject *s, PyObject *const *args, Py_ssize_t nargs,
                                    data_op op, const char *name) {
    if (!check_nargs(nargs, 2, name)) return NULL;
    Py_buffer label, data;
    if (PyObject_GetBuffer(args[0], &label, PyBUF_SIMPLE) < 0) return NULL;
    if (PyObject_GetBuffer(args[1], &data, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&label);
        return NULL;
    }
    int ok = strobe_frame(s, (const uint8_t *)label.buf, (size_t)label.len, (size_t)data.len);
    if (ok) {
        if (op == OP_KEY) {
            strobe_begin_op(s, FLAG_A | FLAG_C, 0);
            strobe_overwrite(s, (const uint8_t *)data.buf, (size_t)data.len);
        } else {
            strobe_begin_op(s, FLAG_A, 0);
            strobe_absorb(s, (const uint8_t *)data.buf, (size_t)data.len);
        }
    }
    PyBuffer_Release(&data);
    PyBuffer_Release(&label);
    if (!ok) return NULL;
    Py_RETURN_NONE;
}

static PyObject *strobe_framed_ad(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    return strobe_framed_data((StrobeObject *)self, args, nargs, OP_AD, "framed_ad");
}

static PyObject *strobe_framed_key(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    return strobe_framed_data((StrobeObject *)self, args, nargs, OP_KEY, "framed_key");
}

static PyObject *strobe_framed_prf(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    StrobeObject *s = (StrobeObject *)self;
    if (!check_nargs(nargs, 2, "framed_prf")) return NULL;
    size_t n;
    if (!parse_length(args[1], &n, 1)) return NULL;
    Py_buffer label;
    if (PyObject_GetBuffer(args[0], &label, PyBUF_SIMPLE) < 0) return NULL;
    strobe_frame(s, (const uint8_t *)label.buf, (size_t)label.len, n);
    PyBuffer_Release(&label);
    strobe_begin_op(s, FLAG_I | FLAG_A | FLAG_C, 0);
    return squeeze_bytes(s, n);
}

static PyObject *strobe_clone(PyObject *self, PyObject *unused) {
    StrobeObject *copy = PyObject_New(StrobeObject, Py_TYPE(self));
    if (copy == NULL) return NULL;
    StrobeObject *s = (StrobeObject *)self;
    memcpy(copy->st, s->st, 200);
    copy->pos = s->pos;
    copy->pos_begin = s->pos_begin;
    copy->cur_flags = s->cur_flags;
    return (PyObject *)copy;
}

static PyObject *strobe_deepcopy(PyObject *self, PyObject *memo) {
    (void)memo;
    return strobe_clone(self, NULL);
}

static PyObject *strobe_state_bytes(PyObject *self, PyObject *unused) {
    return PyBytes_FromStringAndSize((const char *)((StrobeObject *)self)->st, 200);
}

static PyObject *strobe_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"protocol_label", NULL};
    Py_buffer label;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*:Strobe128", kwlist, &label)) return NULL;
    StrobeObject *s = (StrobeObject *)type->tp_alloc(type, 0);
    if (s != NULL) {
        memcpy(s->st, STROBE_INITIAL, 200);
        s->pos = s->pos_begin = s->cur_flags = 0;
        strobe_begin_op(s, FLAG_M | FLAG_A, 0);
        strobe_absorb(s, (const uint8_t *)label.buf, (size_t)label.len);
    }
    PyBuffer_Release(&label);
    return (PyObject *)s;
}

static PyMethodDef strobe_methods[] = {
    {"meta_ad", (PyCFunction)(void (*)(void))strobe_meta_ad, METH_FASTCALL,
     "meta_ad(data, more): absorb framing metadata (flags M|A)"},
    {"ad", (PyCFunction)(void (*)(void))strobe_ad, METH_FASTCALL,
     "ad(data, more): absorb associated data (flag A)"},
    {"key", (PyCFunction)(void (*)(void))strobe_key, METH_FASTCALL,
     "key(data, more): overwrite the state with key material (flags A|C)"},
    {"prf", (PyCFunction)(void (*)(void))strobe_prf, METH_FASTCALL,
     "prf(n, more) -> bytes: squeeze n pseudo-random bytes (flags I|A|C)"},
    {"framed_ad", (PyCFunction)(void (*)(void))strobe_framed_ad, METH_FASTCALL,
     "framed_ad(label, data): Merlin append_message"},
    {"framed_key", (PyCFunction)(void (*)(void))strobe_framed_key, METH_FASTCALL,
     "framed_key(label, data): Merlin rekey_with_witness_bytes"},
    {"framed_prf", (PyCFunction)(void (*)(void))strobe_framed_prf, METH_FASTCALL,
     "framed_prf(label, n) -> bytes: Merlin challenge_bytes"},
    {"clone", strobe_clone, METH_NOARGS, "an independent copy of this duplex state"},
    {"__copy__", strobe_clone, METH_NOARGS, "the same as clone()"},
    {"__deepcopy__", strobe_deepcopy, METH_O, "the same as clone()"},
    {"state_bytes", strobe_state_bytes, METH_NOARGS, "the 200-byte Keccak state"},
    {NULL, NULL, 0, NULL}};

static PyTypeObject StrobeType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "refimpl.crypto._keccak.Strobe128",
    .tp_basicsize = sizeof(StrobeObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A STROBE-128 duplex initialised with a protocol label, as Merlin uses it.",
    .tp_methods = strobe_methods,
    .tp_new = strobe_new,
};

/* ---------------------------------------------------------------- module */

static PyMethodDef methods[] = {
    {"f1600_inplace", py_f1600_inplace, METH_VARARGS, "Keccak-f[1600] on a 200-byte bytearray"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_keccak", NULL, -1, methods};

PyMODINIT_FUNC PyInit__keccak(void) {
    /* STROBE's fixed initialisation block, before the protocol label */
    static const uint8_t init_block[18] = {1, STROBE_R + 2, 1, 0, 1, 96, 'S', 'T', 'R', 'O', 'B',
                                           'E', 'v', '1', '.', '0', '.', '2'};
    memset(STROBE_INITIAL, 0, 200);
    memcpy(STROBE_INITIAL, init_block, sizeof init_block);
    permute_bytes(STROBE_INITIAL);
    if (PyType_Ready(&StrobeType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&StrobeType);
    if (PyModule_AddObject(m, "Strobe128", (PyObject *)&StrobeType) < 0) {
        Py_DECREF(&StrobeType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
