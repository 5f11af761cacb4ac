/* Hide VNNI (or all of AVX-512) from a process, so onnxruntime picks the integer kernels
 * of a CPU without them: the AVX-512BW or AVX2 u8 x s8 MatMul paths.
 *
 * LD_PRELOAD this library with CPUID_MASK=vnni or CPUID_MASK=avx512. Its constructor turns
 * on CPUID faulting for the process (arch_prctl ARCH_SET_CPUID; /proc/cpuinfo must list
 * cpuid_fault), so every CPUID instruction raises SIGSEGV; the handler runs the real
 * CPUID with faulting briefly off, clears the feature bits and steps over the
 * instruction. Libraries loaded later (numpy, onnxruntime) see the masked CPU.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <cpuid.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define BIT(n) (1u << (n))

static int hide_avx512;

static void real_cpuid(unsigned leaf, unsigned sub, unsigned r[4]) {
    syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1);
    __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
    syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0);
}

static void mask(unsigned leaf, unsigned sub, unsigned r[4]) {
    if (leaf == 7 && sub == 0) {
        r[2] &= ~BIT(11);                              /* AVX512_VNNI */
        r[3] &= ~(BIT(22) | BIT(24) | BIT(25));        /* AMX-BF16, AMX-TILE, AMX-INT8 */
        if (hide_avx512) {
            /* AVX512 F, DQ, IFMA, PF, ER, CD, BW, VL */
            r[1] &= ~(BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) | BIT(30) | BIT(31));
            /* AVX512 VBMI, VBMI2, BITALG, VPOPCNTDQ */
            r[2] &= ~(BIT(1) | BIT(6) | BIT(12) | BIT(14));
            /* AVX512 4VNNIW, 4FMAPS, VP2INTERSECT, FP16 */
            r[3] &= ~(BIT(2) | BIT(3) | BIT(8) | BIT(23));
        }
    }
    if (leaf == 7 && sub == 1) {
        r[0] &= ~(BIT(4) | BIT(5));                    /* AVX-VNNI, AVX512_BF16 */
    }
}

static void on_cpuid_fault(int sig, siginfo_t *info, void *context) {
    (void)info;
    ucontext_t *uc = context;
    greg_t *regs = uc->uc_mcontext.gregs;
    const unsigned char *ip = (const unsigned char *)regs[REG_RIP];
    if (ip[0] != 0x0f || ip[1] != 0xa2) {              /* a real crash: die as usual */
        signal(sig, SIG_DFL);
        return;
    }
    unsigned r[4];
    unsigned leaf = (unsigned)regs[REG_RAX], sub = (unsigned)regs[REG_RCX];
    real_cpuid(leaf, sub, r);
    mask(leaf, sub, r);
    regs[REG_RAX] = r[0];
    regs[REG_RBX] = r[1];
    regs[REG_RCX] = r[2];
    regs[REG_RDX] = r[3];
    regs[REG_RIP] += 2;
}

__attribute__((constructor)) static void install(void) {
    const char *what = getenv("CPUID_MASK");
    if (what == NULL || *what == '\0') return;
    hide_avx512 = strcmp(what, "avx512") == 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_cpuid_fault;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &action, NULL);
    syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0);
}
