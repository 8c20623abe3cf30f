/** The limit proxy's forked child: counts the messages it is handed; "count" asks for the total. */
let handled = 0;
process.on("message", (message) => {
  if (message === "count") process.send({ handled });
  else handled += message.length;
});
process.on("disconnect", () => process.exit(0));
