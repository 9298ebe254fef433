// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * cpu_flags: does the (emulated) CPU keep RFLAGS right across CMPXCHG16B?
 *
 * CMPXCHG16B sets ZF and leaves every other flag as it was. QEMU 7.2's TCG
 * (Debian 12's) computed the other flags from a stale record of which
 * instruction set them last: after an ADD in the same translation block,
 * the flags came out as the ADD's source operand, reserved bits, DF and
 * TF included. In a guest kernel, SLUB's freelist CMPXCHG16B then left
 * DF set (memset and memcpy running backwards: zeros over live memory)
 * and the register dumps of the crashes showed such RFLAGS (issue 13:
 * 8474a446, 43bf2702). The test guests therefore run on Debian 13's QEMU
 * (scripts/qemu-root.sh); this program checks that the emulator they run
 * on does it right, on every CPU, with and without LOCK.
 *
 * Exit status: 0 when every RFLAGS matched the CPU's own ADD flags with
 * ZF set, 1 (each mismatch printed) otherwise.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

/* The arithmetic flags (CF PF AF ZF SF OF) and DF, TF, IF, AC, NT. */
#define CHECKED_FLAGS	0x4fd5UL
#define RESERVED_FLAGS	(~0x3fffffUL | 0x8028UL)
#define ZF		0x40UL

struct probe {
	__int128 slot __attribute__((aligned(16)));
};

/* RFLAGS after: POPF (ends a translation block), ADD src, PUSHF. */
static unsigned long add_flags(unsigned long src)
{
	unsigned long flags, x = 5;

	__asm__ volatile("pushq $0x202\n\tpopfq\n\t"
			 "addq %[s], %[x]\n\t"
			 "pushfq\n\tpopq %[f]"
			 : [f] "=r"(flags), [x] "+r"(x)
			 : [s] "r"(src)
			 : "cc");
	return flags;
}

/* The same, with a CMPXCHG16B that succeeds between ADD and PUSHF. */
static unsigned long cmpxchg_flags(struct probe *p, unsigned long src,
				   int lock)
{
	unsigned long flags, x = 5, a = 0, d = 0;

	p->slot = 0;
	if (lock)
		__asm__ volatile("pushq $0x202\n\tpopfq\n\t"
				 "addq %[s], %[x]\n\t"
				 "lock cmpxchg16b %[m]\n\t"
				 "pushfq\n\tpopq %[f]"
				 : [f] "=r"(flags), [x] "+r"(x),
				   [m] "+m"(p->slot), "+a"(a), "+d"(d)
				 : [s] "r"(src), "b"(1UL), "c"(0UL)
				 : "cc");
	else
		__asm__ volatile("pushq $0x202\n\tpopfq\n\t"
				 "addq %[s], %[x]\n\t"
				 "cmpxchg16b %[m]\n\t"
				 "pushfq\n\tpopq %[f]"
				 : [f] "=r"(flags), [x] "+r"(x),
				   [m] "+m"(p->slot), "+a"(a), "+d"(d)
				 : [s] "r"(src), "b"(1UL), "c"(0UL)
				 : "cc");
	return flags;
}

/* Check every source operand, both forms, on the current CPU. */
static int check_cpu(int cpu, struct probe *p)
{
	static const unsigned long srcs[] = {
		1, 0x43bf2702deadbeefUL, 0x8474a446UL, 0x500UL, ~0UL,
	};
	unsigned long want, got;
	unsigned int i;
	int lock, bad = 0;

	for (i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		want = (add_flags(srcs[i]) | ZF) & CHECKED_FLAGS;
		for (lock = 0; lock < 2; lock++) {
			got = cmpxchg_flags(p, srcs[i], lock);
			if ((got & CHECKED_FLAGS) == want &&
			    !(got & RESERVED_FLAGS))
				continue;
			printf("cpu %d: %scmpxchg16b after add %#lx: rflags %#lx, want %#lx%s\n",
			       cpu, lock ? "lock " : "", srcs[i], got, want,
			       got & RESERVED_FLAGS ? " (reserved bits set)" : "");
			bad = 1;
		}
	}
	return bad;
}

int main(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct probe p;
	cpu_set_t set;
	int cpu, bad = 0, checked = 0;

	for (cpu = 0; cpu < ncpu; cpu++) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("sched_setaffinity");
			return 1;
		}
		bad |= check_cpu(cpu, &p);
		checked++;
	}
	printf("cpu_flags: %d CPU(s) checked: %s\n", checked,
	       bad ? "RFLAGS wrong after CMPXCHG16B" : "RFLAGS right");
	return bad;
}
