using EmergencyDispatch.Server.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddDispatch();

var app = builder.Build();
app.MapDispatch();
app.Run();
