/*
 * Keccak-f[1600] (FIPS 202 sections 3.2-3.4) for refimpl.crypto.keccak callers that want speed.
 * Written for this project from FIPS 202: theta, rho (offsets of Table 2), pi, chi, iota (round
 * constants of Algorithm 5), 24 rounds over 25 little-endian 64-bit lanes.
 *
 * Python API (module refimpl.crypto._keccak):
 *   f1600_inplace(state: bytearray[200]) -> None
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

/* rho offsets r[x][y], indexed by lane x + 5y */
static const unsigned ROT[25] = {0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43,
                                 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14};

static uint64_t rotl(uint64_t v, unsigned n) { return n ? (v << n) | (v >> (64 - n)) : v; }

static void keccak_f1600(uint64_t a[25]) {
    uint64_t c[5], d[5], b[25];
    for (int round = 0; round < 24; round++) {
        for (int x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (int x = 0; x < 5; x++) d[x] = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
        for (int i = 0; i < 25; i++) a[i] ^= d[i % 5];
        /* rho and pi: B[y][2x+3y] = rot(A[x][y], r[x][y]) */
        for (int x = 0; x < 5; x++)
            for (int y = 0; y < 5; y++)
                b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], ROT[x + 5 * y]);
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++)
                a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
        a[0] ^= RC[round];
    }
}

static PyObject *py_f1600_inplace(PyObject *self, PyObject *args) {
    Py_buffer buf;
    if (!PyArg_ParseTuple(args, "w*", &buf)) return NULL;
    if (buf.len != 200) {
        PyBuffer_Release(&buf);
        PyErr_SetString(PyExc_ValueError, "the Keccak-f[1600] state is 200 bytes");
        return NULL;
    }
    uint8_t *s = (uint8_t *)buf.buf;
    uint64_t lanes[25];
    for (int i = 0; i < 25; i++) {
        uint64_t v = 0;
        for (int j = 7; j >= 0; j--) v = (v << 8) | s[8 * i + j];
        lanes[i] = v;
    }
    keccak_f1600(lanes);
    for (int i = 0; i < 25; i++)
        for (int j = 0; j < 8; j++) s[8 * i + j] = (uint8_t)(lanes[i] >> (8 * j));
    PyBuffer_Release(&buf);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"f1600_inplace", py_f1600_inplace, METH_VARARGS, "Keccak-f[1600] on a 200-byte bytearray"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_keccak", NULL, -1, methods};

PyMODINIT_FUNC PyInit__keccak(void) { return PyModule_Create(&module); }
