"""Python literals are weak (NEP 50): 2.5 * float32 stays float32; with an
int32 argument the float literal makes float64."""
SIGNATURES = ["float32(float32)", "float64(int32)"]


def kernel(x):
    return 2.5 * x + 1
