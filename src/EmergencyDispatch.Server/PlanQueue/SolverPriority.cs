using System.Runtime.InteropServices;

namespace EmergencyDispatch.Server.PlanQueue;

/// <summary>
/// A solve runs for up to minutes on a thread of its own; on Linux that thread is given a nice value, so that when the
/// cores are contended the calls that answer in milliseconds (submitting demand, listing assignments) go first and the
/// solve takes what is left. Threads the solver starts inherit it. Raising one's own nice value needs no privilege.
/// </summary>
internal static partial class SolverPriority
{
    private const int PrioProcess = 0;

    /// <summary>Gives the calling thread the nice value (0 leaves it as it is); false where the system does not allow it.</summary>
    public static bool Lower(int nice)
    {
        if (nice == 0 || !OperatingSystem.IsLinux())
            return false;
        try
        {
            return SetPriority(PrioProcess, GetTid(), nice) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetTid();

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int prio);
}
