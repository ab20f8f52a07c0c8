/* Static tracee (no dynamic loader, no libc wrappers to interpose): open("in") for reading,
 * open("out", O_CREAT|O_WRONLY|O_TRUNC). An LD_PRELOAD tracer would miss both. */
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
	int in = open("in", O_RDONLY);
	int out = open("out", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (in < 0 || out < 0)
		return 1;
	return write(out, "x\n", 2) == 2 ? 0 : 1;
}
