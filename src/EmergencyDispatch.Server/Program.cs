using EmergencyDispatch.Server.Extensions;

// appsettings.json comes from beside the binary; data/ and seeds/ are relative to the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddDispatch();

var app = builder.Build();
app.MapDispatch();
app.Run();
