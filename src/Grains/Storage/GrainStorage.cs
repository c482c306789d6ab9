namespace AirQuality.Grains.Storage;

/// <summary>Name of the grain storage provider every grain's state goes to.</summary>
public static class GrainStorage
{
    public const string Name = "aq";
}
